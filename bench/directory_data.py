"""Fills a people database (made by `people-admin init`) with N people
for the directory benchmark: 3 contacts each, a few departments, titles,
locations and groups, 1 in 50 terminated. One transaction through
python's sqlite3, or one COPY-free batch through psql for PostgreSQL.

The lower-case key columns are written as people-admin writes them
(src/people_directory.c people_fold): the generated text is ASCII, where
that fold is str.lower().

    python3 bench/directory_data.py sqlite DBFILE N
    python3 bench/directory_data.py pgsql "PSQL ARGS" N   (SQL on stdout)
"""

import random
import sqlite3
import sys
import uuid

FIRST = ["Ann", "Bob", "Carla", "Dmitri", "Eve", "Farid", "Grace", "Hiro",
         "Ines", "Jon", "Kemal", "Lena", "Mia", "Nils", "Olga", "Pablo",
         "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor", "Wen", "Xavier",
         "Yara", "Zoe"]
LAST = ["Smith", "Jones", "Garcia", "Muller", "Rossi", "Novak", "Kim",
        "Silva", "Dubois", "Nowak", "Larsen", "Costa", "Ito", "Khan",
        "Berg", "Moreau", "Fischer", "Lopez", "Weber", "Sato"]
DEPTS = ["Sales", "Engineering", "Support", "Finance", "Legal", "Marketing",
         "Operations", "Research"]
TITLES = ["Engineer", "Manager", "Analyst", "Director", "Consultant",
          "Designer", "Accountant", "Technician"]
CITIES = ["Riga", "Lisbon", "Oslo", "Porto", "Tallinn", "Vienna", "Lyon",
          "Ghent"]
GROUPS = 20


def people(n, seed=7):
    """Yields (user row, contacts, group index) for n people."""
    rng = random.Random(seed)
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = "p%06d" % i
        email = "%s.%s.%d@example.org" % (first.lower(), last.lower(), i)
        dept, title, city = rng.choice(DEPTS), rng.choice(TITLES), \
            rng.choice(CITIES)
        status = 2 if i % 50 == 49 else 1
        uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        display = "%s %s" % (first, last)
        search = "\n".join(x.lower() for x in
                           (email, first, last, name, title, dept, city))
        row = (uid, name, name, first, last, email, status, title, dept,
               city, first.lower(), last.lower(), display.lower(),
               email.lower(), title.lower(), dept.lower(), city.lower(),
               search)
        contacts = [("mail", "%s@home.example" % name),
                    ("phone", "+1 555 %04d" % (i % 10000)),
                    ("skype", "%s.skype" % name)]
        yield row, contacts, i % GROUPS


USER_SQL = ("INSERT INTO people_users (id, username, username_key, "
            "first_name, last_name, email, status, title, department, "
            "location, first_key, last_key, display_key, email_key, "
            "title_key, department_key, location_key, search_key) VALUES "
            "(%s)" % ",".join(["?"] * 18))


def group_ids():
    return [str(uuid.UUID(int=g + 1, version=4)) for g in range(GROUPS)]


def fill_sqlite(path, n):
    db = sqlite3.connect(path)
    gids = group_ids()
    with db:
        for g, gid in enumerate(gids):
            db.execute("INSERT INTO people_groups (id, name) VALUES (?, ?)",
                       (gid, "Group %02d" % g))
        for row, contacts, g in people(n):
            db.execute(USER_SQL, row)
            db.executemany("INSERT INTO people_contacts (user_id, pos, "
                           "type, value) VALUES (?, ?, ?, ?)",
                           [(row[0], k, t, v)
                            for k, (t, v) in enumerate(contacts)])
            db.execute("INSERT INTO people_user_groups (user_id, group_id) "
                       "VALUES (?, ?)", (row[0], gids[g]))
    db.execute("ANALYZE")
    db.close()


def sql_text(n):
    """The same rows as SQL for psql (standard_conforming_strings)."""
    def lit(v):
        if isinstance(v, int):
            return str(v)
        return "'" + v.replace("'", "''") + "'"
    out = ["BEGIN;"]
    gids = group_ids()
    for g, gid in enumerate(gids):
        out.append("INSERT INTO people_groups (id, name) VALUES (%s, %s);"
                   % (lit(gid), lit("Group %02d" % g)))
    for row, contacts, g in people(n):
        out.append(USER_SQL.replace("?", "%s") % tuple(lit(v) for v in row)
                   + ";")
        out.append("INSERT INTO people_contacts (user_id, pos, type, value) "
                   "VALUES " + ",".join("(%s, %d, %s, %s)" % (
                       lit(row[0]), k, lit(t), lit(v))
                       for k, (t, v) in enumerate(contacts)) + ";")
        out.append("INSERT INTO people_user_groups (user_id, group_id) "
                   "VALUES (%s, %s);" % (lit(row[0]), lit(gids[g])))
    out.append("COMMIT;")
    out.append("ANALYZE;")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    kind, target, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if kind == "sqlite":
        fill_sqlite(target, count)
    else:
        sys.stdout.write(sql_text(count))
