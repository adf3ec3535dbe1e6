#!/bin/sh
# Runs its arguments as one rank of an mpirun; rank 1 is killed (SIGKILL) two seconds in, as
# a crashed or preempted process would be.
if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then (sleep 2; kill -9 $$) & fi
exec "$@"
