/* The database ceiling for PUT: the same logical write as one merge PUT,
 * done with the SQLite C API directly, single-threaded, for a fixed time.
 *
 *   sqlite_commit [-s full|normal] [-t SECONDS] [-S SEED] DB
 *
 * DB is a copy of the benchmark database (WAL, as people-admin init leaves
 * it). Each transaction, for a random user:
 *
 *   BEGIN IMMEDIATE
 *   UPDATE people_users SET version = version + 1 WHERE id = ?
 *   SELECT type, value FROM people_contacts WHERE user_id = ? ORDER BY pos
 *   DELETE FROM people_contacts WHERE user_id = ?
 *   INSERT INTO people_contacts ... (3 to 5 rows)
 *   COMMIT
 *
 * Statements are prepared once, as apr_dbd prepares the module's. The
 * module's PUT also reads the profile and the groups and answers over HTTP;
 * this is the floor under all of that: what one thread can commit durably.
 *
 * Prints one line: sync=... journal=... seconds=... commits=... rate=...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

static const char *const types[] = {"mail", "phone", "mobphone", "skype",
                                    "telegram"};
#define NTYPES (sizeof(types) / sizeof(types[0]))

static sqlite3 *db;

static void die(const char *what)
{
    fprintf(stderr, "sqlite_commit: %s: %s\n", what,
            db ? sqlite3_errmsg(db) : "out of memory");
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: the benchmark needs cheap, not good, randomness */
static unsigned long long rng_state;
static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (unsigned)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

static sqlite3_stmt *prepare(const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        die(sql);
    }
    return st;
}

/* Runs a statement to its end, as apr_dbd drains every result. */
static int step_all(sqlite3_stmt *st, const char *what)
{
    int rc, rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rows++;
    }
    if (rc != SQLITE_DONE) {
        die(what);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rows;
}

static const char *pragma_text(const char *sql, char *buf, size_t n)
{
    sqlite3_stmt *st = prepare(sql);
    buf[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return buf;
}

static void usage(void)
{
    fprintf(stderr, "usage: sqlite_commit [-s full|normal] [-t SECONDS] "
                    "[-S SEED] DB\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *sync = "full", *path;
    double seconds = 5, start, elapsed;
    char **ids = NULL, journal[32], syncval[32], sql[64];
    size_t nids = 0, cap = 0;
    long commits = 0, read_rows = 0;
    sqlite3_stmt *begin, *lock, *sel, *del, *ins, *commit, *st;
    int opt;

    rng_state = (unsigned long long)time(NULL) * 2654435761ULL ^ (unsigned)getpid();
    while ((opt = getopt(argc, argv, "s:t:S:")) != -1) {
        switch (opt) {
        case 's': sync = optarg; break;
        case 't': seconds = atof(optarg); break;
        case 'S': rng_state = strtoull(optarg, NULL, 10) | 1; break;
        default: usage();
        }
    }
    if (optind != argc - 1 || seconds <= 0
        || (strcmp(sync, "full") && strcmp(sync, "normal"))) {
        usage();
    }
    path = argv[optind];

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        die(path);
    }
    /* the copy must be in WAL mode like the served file: never change it
     * here, or the figure would not be the server's */
    if (strcmp(pragma_text("PRAGMA journal_mode", journal, sizeof(journal)),
               "wal") != 0) {
        fprintf(stderr, "sqlite_commit: %s is in journal mode '%s', not wal "
                        "(people-admin init sets wal)\n", path, journal);
        return 1;
    }
    snprintf(sql, sizeof(sql), "PRAGMA synchronous=%s", sync);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        die(sql);
    }
    pragma_text("PRAGMA synchronous", syncval, sizeof(syncval));

    st = prepare("SELECT id FROM people_users");
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (nids == cap) {
            cap = cap ? cap * 2 : 1024;
            if (!(ids = realloc(ids, cap * sizeof(*ids)))) {
                die("realloc");
            }
        }
        ids[nids++] = strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    if (!nids) {
        fprintf(stderr, "sqlite_commit: no users in %s\n", path);
        return 1;
    }

    begin = prepare("BEGIN IMMEDIATE");
    lock = prepare("UPDATE people_users SET version = version + 1 "
                   "WHERE id = ?");
    sel = prepare("SELECT type, value FROM people_contacts WHERE user_id = ? "
                  "ORDER BY pos");
    del = prepare("DELETE FROM people_contacts WHERE user_id = ?");
    ins = prepare("INSERT INTO people_contacts (user_id, pos, type, value) "
                  "VALUES (?, ?, ?, ?)");
    commit = prepare("COMMIT");

    start = now();
    do {
        const char *id = ids[rnd((unsigned)nids)];
        unsigned n = 3 + rnd(3), first = rnd(NTYPES), i;
        char value[64];

        step_all(begin, "BEGIN IMMEDIATE");
        sqlite3_bind_text(lock, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(lock) != SQLITE_DONE) {
            die("UPDATE people_users");
        }
        if (sqlite3_changes(db) != 1) {
            fprintf(stderr, "sqlite_commit: user %s vanished\n", id);
            return 1;
        }
        sqlite3_reset(lock);
        sqlite3_bind_text(sel, 1, id, -1, SQLITE_STATIC);
        read_rows += step_all(sel, "SELECT people_contacts");
        sqlite3_bind_text(del, 1, id, -1, SQLITE_STATIC);
        step_all(del, "DELETE people_contacts");
        for (i = 0; i < n; i++) {
            const char *t = types[(first + i) % NTYPES];
            snprintf(value, sizeof(value), "%s.value.%u", t, rnd(100000));
            sqlite3_bind_text(ins, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_int(ins, 2, (int)i);
            sqlite3_bind_text(ins, 3, t, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, value, -1, SQLITE_TRANSIENT);
            step_all(ins, "INSERT people_contacts");
        }
        step_all(commit, "COMMIT");
        commits++;
        elapsed = now() - start;
    } while (elapsed < seconds);

    printf("sync=%s synchronous=%s journal=%s users=%zu seconds=%.3f "
           "commits=%ld rate=%.1f rows_read=%ld\n", sync, syncval, journal,
           nids, elapsed, commits, (double)commits / elapsed, read_rows);

    sqlite3_finalize(begin);
    sqlite3_finalize(lock);
    sqlite3_finalize(sel);
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    return 0;
}
