#!/bin/sh
# kill-rank.sh FILE COMMAND...: runs COMMAND as one rank of an mpirun; rank 1 is killed
# (SIGKILL), as a crashed or preempted process would be, half a second after FILE appears
# (a checkpoint: so the run has one to keep whole).
file=$1
shift
if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then
  (while [ ! -f "$file" ]; do sleep 0.1; done; sleep 0.5; kill -9 $$) &
fi
exec "$@"
