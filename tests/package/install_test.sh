#!/bin/sh
# The package install test (make test-install, part of make test).
#
# Builds the package, installs it with apt-get as a sysadmin would, enables
# it with a2enmod, checks the system configuration with apache2ctl
# configtest, then starts a second httpd (not the system's) that loads the
# modules enabled in /etc/apache2, the package's people.load/people.conf
# among them, on a loopback port, and has it serve GETs from the database
# the package created, with a user and token made by the installed
# people-admin (and, mod_status being enabled, counts them in
# /server-status). Finally purges the package and checks that the file system
# is as it was before, and leaves the system's Apache as it found it.
#
# Needs root; skipped otherwise, and when the package is already installed
# (the test would remove it).
#
# usage: install_test.sh [BUILD_DIR]
set -eu

BUILD=${1:-build}
PKG=libapache2-mod-people
DBDIR=/var/lib/mod_people
SYSPID=/run/apache2/apache2.pid

if [ "$(id -u)" != 0 ]; then
    echo "install test SKIPPED: it needs root (apt-get install, a2enmod, apt-get purge)"
    exit 0
fi
if dpkg-query -W -f='${Status}' $PKG 2>/dev/null | grep -q "ok installed"; then
    echo "install test SKIPPED: $PKG is installed on this machine and the test would purge it"
    exit 0
fi
if [ -e $DBDIR ]; then
    echo "install test SKIPPED: $DBDIR exists and the test would remove it on purge"
    exit 0
fi

T=$(mktemp -d /tmp/mod_people-install-test.XXXXXX)
chmod 0755 "$T"
INSTALLED=0
fail() { echo "install test FAILED: $*" >&2; exit 1; }

system_apache_running() {
    [ -s $SYSPID ] && kill -0 "$(cat $SYSPID)" 2>/dev/null
}

# What the package may touch, as paths, types, modes and link targets.
snapshot() {
    find /etc/apache2 /usr/lib/apache2/modules /usr/sbin \
        /usr/share/man/man8 /usr/share/doc /var/lib -maxdepth 3 \
        -path /var/lib/apt -prune -o -path /var/lib/dpkg -prune -o \
        -path /var/lib/postgresql -prune -o -path /var/lib/ucf -prune -o \
        -printf '%p %y %m %u %l\n' 2>/dev/null | sort
}

cleanup() {
    st=$?
    if [ -s "$T/run/httpd.pid" ]; then
        kill -TERM "$(cat "$T/run/httpd.pid")" 2>/dev/null || true
        sleep 1
    fi
    if [ $INSTALLED = 1 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $PKG >/dev/null 2>&1 || true
    fi
    restore_modules
    if ! $WAS_RUNNING && system_apache_running; then
        apache2ctl stop >/dev/null 2>&1 || true
    fi
    if [ $st != 0 ] && [ -f "$T/error.log" ]; then
        echo "--- second httpd's error log:"; tail -n 30 "$T/error.log"
    fi
    rm -rf "$T"
    exit $st
}

# a2enmod people enables mod_dbd too, as a dependency; purging the package
# rightly leaves other modules alone, so the test itself puts back the
# modules' state it found.
restore_modules() {
    for m in $(a2query -m 2>/dev/null | cut -d' ' -f1); do
        grep -qx "$m" "$T/modules.before" || a2dismod -q -f -p "$m" >/dev/null 2>&1 || true
    done
    find /var/lib/apache2/module -depth 2>/dev/null | while read -r f; do
        grep -qx "$f" "$T/module-state.before" && continue
        if [ -d "$f" ]; then rmdir "$f"; else rm -f "$f"; fi
    done
}

WAS_RUNNING=false
system_apache_running && WAS_RUNNING=true
a2query -m 2>/dev/null | cut -d' ' -f1 | sort >"$T/modules.before"
find /var/lib/apache2/module 2>/dev/null | sort >"$T/module-state.before"
snapshot >"$T/files.before"
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "== install test: building the package"
rm -f "$BUILD"/${PKG}_*.deb
# make test has just run the suites: the package build need not run them again
DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}" \
DEB_BUILD_PROFILES="nocheck${DEB_BUILD_PROFILES:+ $DEB_BUILD_PROFILES}" \
    make --no-print-directory deb BUILD="$BUILD" >"$T/deb.log" 2>&1 \
    || { tail -n 40 "$T/deb.log"; fail "make deb"; }
DEB=$(ls "$BUILD"/${PKG}_*.deb)
case $DEB in /*) ;; *) DEB=./$DEB ;; esac

echo "== install test: lintian $DEB"
lintian --pedantic -I "$DEB" >"$T/lintian.log" 2>/dev/null || true
cat "$T/lintian.log"
grep -q '^E:' "$T/lintian.log" && fail "lintian reports errors"

echo "== install test: apt-get install $DEB"
INSTALLED=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$DEB" \
    >"$T/apt.log" 2>&1 || { cat "$T/apt.log"; fail "apt-get install"; }

# What the package installed, and what its postinst made
for f in /usr/lib/apache2/modules/mod_people.so /usr/sbin/people-admin \
         /etc/apache2/mods-available/people.load /etc/apache2/mods-available/people.conf \
         /usr/share/man/man8/people-admin.8.gz /usr/share/doc/$PKG/README.md.gz \
         /usr/share/doc/$PKG/copyright; do
    [ -f "$f" ] || fail "$f is missing after installation"
done
[ "$(stat -c '%U:%G %a' $DBDIR)" = "www-data:www-data 750" ] \
    || fail "$DBDIR is $(stat -c '%U:%G %a' $DBDIR), not www-data:www-data 750"
[ "$(stat -c '%U' $DBDIR/people.db)" = www-data ] || fail "people.db is not www-data's"
runuser -u www-data -- people-admin -p $DBDIR/people.db user list >/dev/null \
    || fail "the database the postinst made does not answer people-admin"

echo "== install test: a2enmod people; apache2ctl configtest"
a2enmod -q people || fail "a2enmod people"
[ -L /etc/apache2/mods-enabled/people.load ] || fail "mods-enabled/people.load is missing"
[ -L /etc/apache2/mods-enabled/dbd.load ] || fail "a2enmod people did not enable dbd"
apache2ctl configtest >"$T/configtest.log" 2>&1 \
    || { cat "$T/configtest.log"; fail "apache2ctl configtest on the system configuration"; }

echo "== install test: a second httpd from /etc/apache2's enabled modules"
USER_ID=$(runuser -u www-data -- people-admin -p $DBDIR/people.db user add pkgtest \
    --first-name Package --last-name Test --email pkgtest@example.com) \
    || fail "people-admin user add"
TOKEN=$(runuser -u www-data -- people-admin -p $DBDIR/people.db token add pkgtest) \
    || fail "people-admin token add"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/run" "$T/htdocs"
echo ok >"$T/htdocs/index.html"
cat >"$T/httpd.conf" <<EOF
ServerRoot "$T"
DefaultRuntimeDir "$T/run"
PidFile "$T/run/httpd.pid"
Mutex file:$T/run default
Define APACHE_LOG_DIR $T
Define APACHE_RUN_DIR $T/run
Define APACHE_LOCK_DIR $T/run
Listen 127.0.0.1:$PORT
ServerName 127.0.0.1
User www-data
Group www-data
ErrorLog "$T/error.log"
LogLevel info
IncludeOptional /etc/apache2/mods-enabled/*.load
IncludeOptional /etc/apache2/mods-enabled/*.conf
DocumentRoot "$T/htdocs"
# as people.conf says: a connection per thread of Debian's mpm_event.conf
DBDriver sqlite3
DBDParams $DBDIR/people.db
DBDMax 25
DBDKeep 25
<Location "/api/2.0/people">
    PeopleAPI On
</Location>
EOF
/usr/sbin/apache2 -t -f "$T/httpd.conf" >"$T/t.log" 2>&1 || { cat "$T/t.log"; fail "httpd -t"; }
/usr/sbin/apache2 -f "$T/httpd.conf" -k start || fail "the second httpd does not start"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do
    i=$((i + 1)); [ $i -lt 50 ] || fail "the second httpd does not answer on 127.0.0.1:$PORT"
    sleep 0.1
done

API=http://127.0.0.1:$PORT/api/2.0/people
code=$(curl -s -o "$T/self.json" -w '%{http_code}' -H "Authorization: $TOKEN" "$API/@self")
[ "$code" = 200 ] || fail "GET @self answered $code: $(cat "$T/self.json")"
python3 - "$T/self.json" "$USER_ID" <<'EOF' || fail "GET @self: wrong profile: $(cat "$T/self.json")"
import json, sys
r = json.load(open(sys.argv[1]))["response"]
assert r["id"] == sys.argv[2] and r["userName"] == "pkgtest", r
EOF
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/@self")
[ "$code" = 401 ] || fail "GET @self without a token answered $code, not 401"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: not-a-token" "$API/@self")
[ "$code" = 401 ] || fail "GET @self with a wrong token answered $code, not 401"
# Debian enables mod_status: the module's section counts the three requests
if [ -e /etc/apache2/mods-enabled/status.load ]; then
    i=0
    until curl -s "http://127.0.0.1:$PORT/server-status?auto" >"$T/status.txt" &&
          grep -qx "PeopleRequests: 3" "$T/status.txt"; do
        i=$((i + 1)); [ $i -lt 50 ] || fail "server-status: $(grep People "$T/status.txt")"
        sleep 0.1
    done
    grep -qx "PeopleAuthRefused: 2" "$T/status.txt" \
        || fail "server-status: $(grep People "$T/status.txt")"
fi
if grep -E '\[(people|dbd):(warn|error|crit|alert|emerg)\]' "$T/error.log"; then
    fail "the second httpd logged the lines above"
fi
grep -q "$TOKEN" "$T/error.log" && fail "the token appears in the error log"
echo "GET $API/@self through the installed module: 200, $(wc -c <"$T/self.json") bytes; no token: 401"

kill -TERM "$(cat "$T/run/httpd.pid")"
i=0
while [ -e "$T/run/httpd.pid" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "the second httpd does not stop"
    sleep 0.1
done

echo "== install test: apt-get remove keeps the database; installing again leaves it alone"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q $PKG >"$T/remove.log" 2>&1 \
    || { cat "$T/remove.log"; fail "apt-get remove"; }
[ -e /etc/apache2/mods-enabled/people.load ] && fail "people is still enabled after remove"
[ -f $DBDIR/people.db ] || fail "apt-get remove removed the database"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$DEB" \
    >"$T/apt.log" 2>&1 || { cat "$T/apt.log"; fail "apt-get install after remove"; }
runuser -u www-data -- people-admin -p $DBDIR/people.db user list | grep -q pkgtest \
    || fail "installing again lost the database's users"
[ -L /etc/apache2/mods-enabled/people.load ] || fail "installing again did not enable people"

echo "== install test: apt-get purge $PKG"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $PKG >"$T/purge.log" 2>&1 \
    || { cat "$T/purge.log"; fail "apt-get purge"; }
INSTALLED=0
status=$(dpkg-query -W -f='${Status}' $PKG 2>/dev/null || true)
case $status in ""|*" not-installed") ;; *) fail "$PKG is left as: $status" ;; esac
ls /var/lib/dpkg/info/$PKG.* 2>/dev/null && fail "dpkg's files for $PKG are left"
[ -e $DBDIR ] && fail "$DBDIR is left after purge"
[ -e /etc/apache2/mods-enabled/people.load ] && fail "people is still enabled after purge"
restore_modules
snapshot >"$T/files.after"
if ! diff -u "$T/files.before" "$T/files.after"; then
    fail "the file system differs from before the installation (above)"
fi
echo "install test: ok (installed, enabled, configtest, served, purged; nothing left)"
