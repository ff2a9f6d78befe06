# bench/lib.sh: what the benchmark scripts share. Sourced (". bench/lib.sh")
# after each has set root; defines functions only.

# The CPU's model name.
cpu_model() {
	sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1
}

# "machine: N cores (CPU), MEM GiB, KERNEL"; N is $1 if given, else nproc.
machine_line() {
	mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
	echo "machine: ${1:-$(nproc)} cores ($(cpu_model)), $mem, $(uname -sr)"
}

# time_field FILE FIELD: the value of one line of GNU time's -v report.
time_field() {
	sed -n "s/^[[:space:]]*$2: //p" "$1"
}

# replica_writes DB RATE SECONDS: RATE commits a second to DB for SECONDS,
# each one domain's "updated" time, as the replica agent commits the
# changesets it applies; prints how many it made. For the benchmarks of
# the replica's readers (WRITES=n).
replica_writes() {
	python3 - "$1" "$2" "$3" <<'EOF'
import random, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
rate, end, n = float(sys.argv[2]), time.monotonic() + float(sys.argv[3]), 0
top = db.execute("SELECT max(id) FROM domain").fetchone()[0]
while time.monotonic() < end:
    db.execute("UPDATE domain SET updated = updated + 1 WHERE id = ?", (random.randint(1, top),))
    n += 1
    time.sleep(1 / rate)
print(n)
EOF
}
