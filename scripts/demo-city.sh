# Sourced by scripts/demo.sh after the hall is up: the city tier of the
# demo. Starts a private PostgreSQL cluster under $VAR/city/pg (unix socket
# only), the city server, registers the demo hall and a township box as
# sites, enrols both with one-time codes, and starts the township box
# (kiosk --standalone, headless, no devices). Adds its processes to pids.
CITY_DIR=$(realpath -m "$VAR/city")
CITY_LISTEN=${CITY_LISTEN:-127.0.0.1:8643}
CITY_HTTP=${CITY_HTTP:-127.0.0.1:8644}
CITY_PAGES="http://$CITY_HTTP"
TOWNSHIP_LISTEN=${TOWNSHIP_LISTEN:-127.0.0.1:8081}
mkdir -p "$CITY_DIR" "$VAR/township"

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "demo: PostgreSQL not installed (scripts/setup.sh installs postgresql)" >&2; exit 1; }
asuser=()
if [ "$(id -u)" = 0 ]; then
  asuser=(runuser -u postgres --)
  chown postgres: "$CITY_DIR"
fi
if [ ! -s "$CITY_DIR/pg/PG_VERSION" ]; then
  "${asuser[@]}" "$PGBIN/initdb" -D "$CITY_DIR/pg" -U postgres --auth=trust -E UTF8 --locale=C >"$CITY_DIR/initdb.log" 2>&1 \
    || { echo "demo: initdb failed, see $CITY_DIR/initdb.log" >&2; exit 1; }
fi
rm -f "$CITY_DIR/pg/postmaster.pid" 2>/dev/null || true
"${asuser[@]}" "$PGBIN/postgres" -D "$CITY_DIR/pg" -k "$CITY_DIR" -c listen_addresses='' >"$CITY_DIR/postgres.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do "$PGBIN/pg_isready" -q -h "$CITY_DIR" -U postgres && break; sleep 0.1; done
"$PGBIN/pg_isready" -q -h "$CITY_DIR" -U postgres || { echo "demo: PostgreSQL did not start, see $CITY_DIR/postgres.log" >&2; exit 1; }
"${asuser[@]}" "$PGBIN/psql" -q -h "$CITY_DIR" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='hallcity'" | grep -q 1 \
  || "${asuser[@]}" "$PGBIN/createdb" -h "$CITY_DIR" -U postgres hallcity

cat >"$CITY_DIR/cityserver.conf" <<CONF
[server]
listen = $CITY_LISTEN
http_listen = $CITY_HTTP
data = $CITY_DIR/data
[db]
url = postgres:///hallcity?host=$CITY_DIR&user=postgres
[city]
region_code = 620981
[reporter]
kind = file
dir = $CITY_DIR/province
interval = 10s
CONF
city=("$BIN/cityserver" --config "$CITY_DIR/cityserver.conf")
"${city[@]}" --migrate-only >/dev/null
"${city[@]}" --add-site demo-hall,玉门市民中心,hall >/dev/null 2>&1 || true
"${city[@]}" --add-site township-1,赤金镇便民服务中心,township >/dev/null 2>&1 || true
"${city[@]}" >"$CITY_DIR/cityserver.out" 2>"$CITY_DIR/cityserver.log" &
pids+=($!)
for _ in $(seq 100); do curl -fsS "$CITY_PAGES/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$CITY_PAGES/healthz" >/dev/null 2>&1 || { echo "demo: city server did not start, see $CITY_DIR/cityserver.log" >&2; exit 1; }

# Enrol the hall (it already runs with [city] url and picks up the enrolment).
if ! "$BIN/kioskctl" city status --data "$VAR/hall" | grep -q 'enrolled: true'; then
  "$BIN/kioskctl" city enrol --data "$VAR/hall" --city "https://$CITY_LISTEN" --code "$("${city[@]}" --code demo-hall)" >/dev/null
fi

# The township box: its own engine and pages, no devices, reporting to the city.
sed -e 's/^device_id = .*/device_id = township-1/' -e "s#^data_dir = .*#data_dir = $VAR/township#" \
    -e 's/^standalone = .*/standalone = true/' -e "s#^sim_dir = .*#sim_dir = $VAR/township/dev#" \
    -e "/^\[standalone\]/,/^\[/ s#^listen =.*#listen = $TOWNSHIP_LISTEN#" \
    -e "/^\[city\]/,\$ s#^url =.*#url = https://$CITY_LISTEN#" deploy/kiosk.conf.example >"$VAR/township/kiosk.conf"
if ! "$BIN/kioskctl" city status --data "$VAR/township" | grep -q 'enrolled: true'; then
  "$BIN/kioskctl" city enrol --data "$VAR/township" --city "https://$CITY_LISTEN" --code "$("${city[@]}" --code township-1)" >/dev/null
fi
"$BIN/kiosk" --sim --headless --config "$VAR/township/kiosk.conf" >"$VAR/township/kiosk.out" 2>"$VAR/township/kiosk.log" &
pids+=($!)
