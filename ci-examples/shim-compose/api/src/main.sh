echo "hello from api, version 1"
