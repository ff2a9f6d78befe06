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
