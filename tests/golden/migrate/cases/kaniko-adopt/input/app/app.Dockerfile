FROM busybox:1.36
COPY main.txt /main.txt
