echo "hello from shim-script, version 1"
