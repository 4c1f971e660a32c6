echo "hello from shim-make, version 1"
