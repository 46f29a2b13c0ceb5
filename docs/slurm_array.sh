#!/bin/bash
# Runs one line of a memprobe jobs file per Slurm array task (docs/cluster.md).
#
#   memprobe reproduce --preset mnist-mlp --seeds 1,2,3 --threads 4 \
#       --out /shared/study --emit-jobs jobs.txt
#   mkdir -p logs
#   sbatch --array=1-$(wc -l < jobs.txt) docs/slurm_array.sh jobs.txt
#
# Line i of the jobs file is task i (array indices start at 1, like sed's line numbers). Each
# line is a self-contained shell command that writes its own output directory and log
# (<out>/job.log); re-running a line continues an interrupted run from its last checkpoint.
#SBATCH --job-name=memprobe
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=48:00:00
#SBATCH --output=logs/%x-%A_%a.out
set -euo pipefail

JOBS="${1:-jobs.txt}"
: "${SLURM_ARRAY_TASK_ID:?run this with sbatch --array=1-N (see the top of this file)}"
[ -r "$JOBS" ] || { echo "slurm_array.sh: cannot read jobs file '$JOBS'" >&2; exit 2; }

# memprobe honours OMP_NUM_THREADS when a job line has no --threads: use what Slurm granted.
export OMP_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"

LINE="$(sed -n "${SLURM_ARRAY_TASK_ID}p" "$JOBS")"
[ -n "$LINE" ] || { echo "slurm_array.sh: $JOBS has no line ${SLURM_ARRAY_TASK_ID}" >&2; exit 2; }
echo "task ${SLURM_ARRAY_TASK_ID} on $(hostname) at $(date -u +%FT%TZ): $LINE"
sed -n "${SLURM_ARRAY_TASK_ID}p" "$JOBS" | bash
