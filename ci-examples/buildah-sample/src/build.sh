# The "compile" step: records what went into the image.
echo "built from $(wc -l < /app/deps.txt) dependencies"
ls /app/src
