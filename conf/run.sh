#!/bin/sh
# "make run": a demo database with a demo admin and a fresh token, and
# httpd in the foreground on 127.0.0.1:$PORT until Ctrl-C.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
var="$top/var"
port="${PORT:-8080}"
admin="$top/build/people-admin"
db="$var/people.db"

mkdir -p "$var/run" "$var/htdocs"
if [ ! -f "$db" ]; then
    "$admin" -p "$db" init
    "$admin" -p "$db" user add demo --first-name Demo --last-name User \
        --email demo@example.com --admin --title "Demo account" >/dev/null
fi
token=$("$admin" -p "$db" token add demo --label "make run" --expires-days 7)
id=$("$admin" -p "$db" user show demo | sed -n 's/^  "id": "\(.*\)",$/\1/p')

user_lines=""
if [ "$(id -u)" = 0 ]; then
    # httpd will not serve as root: its children run as www-data and must
    # be able to write the database and its directory (WAL)
    chown -R www-data:www-data "$var"
    if ! runuser -u www-data -- test -w "$db"; then
        echo "www-data cannot reach $db: put the checkout where www-data can" \
             "traverse every directory above it" >&2
        exit 1
    fi
    user_lines="User www-data
Group www-data"
fi

sed -e "s|@VAR@|$var|g" -e "s|@TOP@|$top|g" -e "s|@PORT@|$port|g" \
    "$top/conf/demo.conf.in" | awk -v u="$user_lines" '{ if ($0 == "@USER@") print u; else print }' \
    > "$var/httpd.conf"

cat <<MSG

mod_people demo on http://127.0.0.1:$port/api/2.0/people
  user:  demo ($id), an admin
  token: $token   (valid 7 days; make run makes a new one each time)

Try:
  curl -s -H 'Authorization: $token' http://127.0.0.1:$port/api/2.0/people/@self
  curl -s --request PUT \\
    --url 'http://127.0.0.1:$port/api/2.0/people/%7B$id%7D/contacts' \\
    --header 'Accept: application/json' \\
    --header 'Content-Type: application/json' \\
    --header 'Authorization: $token' \\
    --data '{"contacts":[{"value":{"Type":"GTalk","Value":"my@gmail.com"}}]}'

Ctrl-C stops the server.

MSG
exec /usr/sbin/apache2 -f "$var/httpd.conf" -DFOREGROUND
