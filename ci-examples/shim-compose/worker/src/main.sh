echo "hello from worker, version 1"
