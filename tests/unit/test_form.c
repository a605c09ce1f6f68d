/* Unit tests: form bodies turned into the JSON a JSON body gives (spec
 * section 5), and the contacts read from them. */
#include "tests/unit/unit.h"
#include "src/people_contacts.h"
#include "src/people_form.h"

/* The form as compact JSON text with sorted keys, or "ERR:message". */
static const char *form(const char *body)
{
    json_t *root = NULL;
    const char *err = people_form_parse(pool, body, strlen(body),
                                        PEOPLE_FORM_MAX_KEYS, &root);
    char *text;
    const char *out;

    if (err) {
        return apr_pstrcat(pool, "ERR:", err, NULL);
    }
    text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    out = apr_pstrdup(pool, text);
    free(text);
    return out;
}

/* The contacts a form gives, as "t=v|t=v", or "ERR:message". */
static const char *contacts(const char *body)
{
    json_t *root = NULL;
    apr_array_header_t *list = NULL;
    const char *err = people_form_parse(pool, body, strlen(body),
                                        PEOPLE_FORM_MAX_KEYS, &root);
    const char *out = "";
    int i;

    if (!err) {
        err = people_body_contacts(pool, root, &list);
    }
    if (err) {
        return apr_pstrcat(pool, "ERR:", err, NULL);
    }
    for (i = 0; i < list->nelts; i++) {
        const people_contact_t *c = &APR_ARRAY_IDX(list, i, people_contact_t);
        out = apr_pstrcat(pool, out, i ? "|" : "", c->type, "=", c->value,
                          NULL);
    }
    return out;
}

static void assert_err(const char *got, const char *part)
{
    assert_true(strncmp(got, "ERR:", 4) == 0);
    if (!strstr(got, part)) {
        fail_msg("'%s' does not contain '%s'", got, part);
    }
}

static void test_jquery_nesting(void **state)
{
    (void)state;
    assert_string_equal(contacts("contacts%5B0%5D%5BType%5D=GTalk&"
                                 "contacts%5B0%5D%5BValue%5D=my%40gmail.com&"
                                 "contacts%5B1%5D%5BType%5D=phone&"
                                 "contacts%5B1%5D%5BValue%5D=%2B1+555"),
                        "gtalk=my@gmail.com|phone=+1 555");
}

static void test_dotted_and_seed_forms(void **state)
{
    (void)state;
    assert_string_equal(contacts("contacts[0].Type=skype&"
                                 "contacts[0].Value=me"), "skype=me");
    assert_string_equal(contacts("contacts[0][value][Type]=GTalk&"
                                 "contacts[0][value][Value]=a%40b"),
                        "gtalk=a@b");
    /* the shapes may be mixed item by item */
    assert_string_equal(contacts("contacts[1].type=mail&contacts[1].value=m&"
                                 "contacts[0][type]=phone&"
                                 "contacts[0][value]=1"),
                        "phone=1|mail=m");
}

static void test_indexes_give_order(void **state)
{
    (void)state;
    assert_string_equal(contacts("contacts[2][type]=c&contacts[2][value]=3&"
                                 "contacts[0][type]=a&contacts[0][value]=1&"
                                 "contacts[1][type]=b&contacts[1][value]=2"),
                        "a=1|b=2|c=3");
    assert_string_equal(contacts("contacts[10][type]=k&contacts[0][type]=a&"
                                 "contacts[1][type]=b&contacts[2][type]=c&"
                                 "contacts[3][type]=d&contacts[4][type]=e&"
                                 "contacts[5][type]=f&contacts[6][type]=g&"
                                 "contacts[7][type]=h&contacts[8][type]=i&"
                                 "contacts[9][type]=j"),
                        "a=|b=|c=|d=|e=|f=|g=|h=|i=|j=|k=");
}

static void test_gap_is_refused(void **state)
{
    (void)state;
    assert_err(contacts("contacts[0][type]=a&contacts[2][type]=b"),
               "no contacts[1]");
    assert_err(contacts("contacts[1][type]=a"), "no contacts[0]");
    /* a leading zero is not an index: "01" is a name beside index 0 */
    assert_err(contacts("contacts[0][type]=a&contacts[01][type]=b"),
               "mix indexes and names");
    assert_err(contacts("contacts[999999999][type]=a"), "no contacts[0]");
}

static void test_repeats_are_refused(void **state)
{
    (void)state;
    assert_err(contacts("contacts[0][type]=a&contacts[0][type]=b"),
               "repeated");
    /* keys compare case-insensitively */
    assert_err(contacts("contacts[0][type]=a&contacts[0][TYPE]=b"),
               "repeated");
    assert_err(contacts("contacts[0][type]=a&Contacts[0][Type]=b"),
               "repeated");
    /* the dotted and bracketed spellings are one key */
    assert_err(contacts("contacts[0][type]=a&contacts[0].type=b"),
               "repeated");
    /* a value and a container under one name */
    assert_err(form("a=1&a[b]=2"), "repeated or conflicts");
    assert_err(form("a[b]=2&a=1"), "repeated or conflicts");
    assert_err(form("firstname=a&firstName=b"), "repeated");
}

static void test_item_without_type(void **state)
{
    (void)state;
    assert_err(contacts("contacts[0][value]=x"), "contacts[0] has no \"type\"");
    assert_err(contacts("contacts[0][type]=a&contacts[1][value]=x"),
               "contacts[1] has no \"type\"");
    assert_err(contacts("contacts[0][type]=bad%20type"), "contacts[0].type");
}

static void test_no_contacts_key(void **state)
{
    (void)state;
    assert_err(contacts("firstname=a"), "no \"contacts\"");
    assert_err(contacts(""), "no \"contacts\"");
    /* a flat contacts=... is not a list */
    assert_err(contacts("contacts=x"), "must be an array");
}

static void test_case_insensitive_keys(void **state)
{
    (void)state;
    assert_string_equal(contacts("CONTACTS[0][TYPE]=Mail&"
                                 "Contacts[0][vAlUe]=x%40y"), "mail=x@y");
    /* the first spelling is kept as the object's key */
    assert_string_equal(form("firstname=Ann&LastName=Lee"),
                        "{\"LastName\":\"Lee\",\"firstname\":\"Ann\"}");
}

static void test_scalars_and_lists(void **state)
{
    (void)state;
    assert_string_equal(form("userIds[]=a&userIds[]=b"),
                        "{\"userIds\":[\"a\",\"b\"]}");
    assert_string_equal(form("userIds[1]=b&userIds[0]=a"),
                        "{\"userIds\":[\"a\",\"b\"]}");
    assert_string_equal(form("isVisitor=true&comment=hi+there"),
                        "{\"comment\":\"hi there\",\"isVisitor\":\"true\"}");
    /* top-level names are never indexes */
    assert_string_equal(form("0=a"), "{\"0\":\"a\"}");
    /* a part without '=' is skipped, as httpd does */
    assert_string_equal(form("a&b=1&"), "{\"b\":\"1\"}");
    assert_string_equal(form("a=%zz%4"), "{\"a\":\"%zz%4\"}");
}

static void test_malformed_keys(void **state)
{
    (void)state;
    assert_err(form("=x"), "malformed");
    assert_err(form("[0]=x"), "malformed");
    assert_err(form("a[0=x"), "malformed");
    assert_err(form("a[0]x=1"), "malformed");
    assert_err(form("a..b=1"), "malformed");
    assert_err(form("a.=1"), "malformed");
    assert_err(form("a[[0]]=1"), "malformed");
    assert_err(form("a[][b]=1"), "[] only at the end");
    assert_err(form("a[1][2][3][4][5]=1"), "malformed");
    assert_string_equal(form("a[b][c][d][e]=1"),
                        "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":\"1\"}}}}}");
}

static void test_not_utf8(void **state)
{
    (void)state;
    assert_err(form("a=%ff"), "'a' is not valid UTF-8");
    assert_err(form("%ff=1"), "key is not valid UTF-8");
    /* a NUL in a value reaches the item rules, which refuse it */
    assert_err(contacts("contacts[0][type]=mail&contacts[0][value]=a%00b"),
               "control character");
    assert_err(contacts("contacts[0][type]=ma%00il"), "contacts[0].type");
}

static void test_key_bound(void **state)
{
    apr_array_header_t *pairs = NULL;
    json_t *root = NULL;
    const char *body = "a=1&b=2&c=3";
    (void)state;

    assert_non_null(people_form_split(pool, body, strlen(body), 2, &pairs));
    assert_null(people_form_split(pool, body, strlen(body), 3, &pairs));
    assert_int_equal(pairs->nelts, 3);
    assert_non_null(people_form_to_json(pool, pairs, 2, &root));
    assert_null(people_form_to_json(pool, pairs, 3, &root));
}

static void test_form_type(void **state)
{
    (void)state;
    assert_true(people_is_form_type("application/x-www-form-urlencoded"));
    assert_true(people_is_form_type(" Application/X-WWW-Form-Urlencoded; "
                                    "charset=UTF-8"));
    assert_false(people_is_form_type("application/x-www-form-urlencodedx"));
    assert_false(people_is_form_type("multipart/form-data"));
    assert_false(people_is_form_type(NULL));
}

/* The same list, whichever way a client encodes it. */
static void test_json_and_form_agree(void **state)
{
    static const char *const json =
        "{\"contacts\":[{\"Type\":\"GTalk\",\"Value\":\"a@b\"},"
        "{\"type\":\"phone\",\"value\":\"1\"}]}";
    apr_array_header_t *a = NULL;
    (void)state;

    assert_null(people_body_parse(pool, json, strlen(json), &a));
    assert_int_equal(a->nelts, 2);
    assert_string_equal(contacts("contacts[0][Type]=GTalk&"
                                 "contacts[0][Value]=a%40b&"
                                 "contacts[1][type]=phone&"
                                 "contacts[1][value]=1"),
                        "gtalk=a@b|phone=1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jquery_nesting),
        cmocka_unit_test(test_dotted_and_seed_forms),
        cmocka_unit_test(test_indexes_give_order),
        cmocka_unit_test(test_gap_is_refused),
        cmocka_unit_test(test_repeats_are_refused),
        cmocka_unit_test(test_item_without_type),
        cmocka_unit_test(test_no_contacts_key),
        cmocka_unit_test(test_case_insensitive_keys),
        cmocka_unit_test(test_scalars_and_lists),
        cmocka_unit_test(test_malformed_keys),
        cmocka_unit_test(test_not_utf8),
        cmocka_unit_test(test_key_bound),
        cmocka_unit_test(test_form_type),
        cmocka_unit_test(test_json_and_form_agree),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
