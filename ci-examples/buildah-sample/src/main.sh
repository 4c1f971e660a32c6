echo "hello from the runner-ext sample, version 1"
