#!/usr/bin/env bash
# A single-node SLURM cluster for `make test-slurm`, run as root without systemd: munged,
# slurmctld and slurmd are started directly, with every file (configuration, key, sockets,
# state, logs, pid files) in one folder, and stopped by their pid files.
#   cluster.sh start DIR   write DIR/slurm.conf, start the daemons, wait until the node is idle
#   cluster.sh stop DIR    cancel the cluster's jobs, stop its daemons, fail if one survives
# Client commands (sbatch, squeue, scontrol) find the cluster with SLURM_CONF=DIR/slurm.conf.
set -euo pipefail

action=${1:?usage: cluster.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: cluster.sh start|stop DIR}")
export SLURM_CONF=$dir/slurm.conf

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
	mkdir -p "$dir/state" "$dir/spool"
	# munged wants its socket folder searchable by all and writable by none but its owner.
	chmod 711 "$dir"
	head -c 1024 /dev/urandom >"$dir/munge.key"
	chmod 600 "$dir/munge.key"
	munged --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" \
		--pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munged.seed"

	local host cpus memory
	host=$(hostname -s)
	cpus=$(nproc)
	memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
	# No accounting database (AccountingStorageType=none): sacct fails here, which is why the
	# profile asks squeue for job states. Finished jobs stay known to the controller (and so to
	# `scontrol show job`, where the provenance record takes their times from) for MinJobAge
	# seconds: long enough for a test run.
	cat >"$SLURM_CONF" <<CONF
ClusterName=cohorteval
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=1800
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
	slurmctld -f "$SLURM_CONF"
	slurmd -f "$SLURM_CONF"
	for _ in $(seq 60); do
		if sinfo --noheader --states=idle --format=%n 2>/dev/null | grep -qx "$host"; then
			echo "SLURM cluster up: node $host ($cpus CPUs, $memory MB), configuration $SLURM_CONF"
			return 0
		fi
		sleep 1
	done
	echo "the SLURM node did not come up; see $dir/slurmctld.log and $dir/slurmd.log" >&2
	return 1
}

stop_pid_file() {
	local file=$1 pid
	[[ -s $file ]] || return 0
	pid=$(cat "$file")
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	sleep 0.5
	if kill -0 "$pid" 2>/dev/null; then
		echo "could not stop pid $pid ($file)" >&2
		return 1
	fi
}

stop() {
	[[ -d $dir ]] || return 0
	if [[ -s $dir/slurmctld.pid ]] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
		scancel --full --quiet --user=root 2>/dev/null || true
		for _ in $(seq 30); do
			[[ -z $(squeue --noheader --states=PENDING,RUNNING,COMPLETING 2>/dev/null) ]] && break
			sleep 1
		done
	fi
	local failed=0
	stop_pid_file "$dir/slurmd.pid" || failed=1
	stop_pid_file "$dir/slurmctld.pid" || failed=1
	stop_pid_file "$dir/munged.pid" || failed=1
	[[ $failed == 0 ]] && echo "SLURM cluster in $dir stopped"
	return $failed
}

case $action in
start) start ;;
stop) stop ;;
*)
	echo "usage: cluster.sh start|stop DIR" >&2
	exit 2
	;;
esac
