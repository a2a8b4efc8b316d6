#!/bin/sh
# make demo: start tugd (unless one is already serving the socket), make the busybox base
# image on this host, and show the image commands working. tugd is left running.
set -eu
cd "$(dirname "$0")/.."
SOCK=${TUG_DEMO_SOCKET:-/run/tug/tug.sock}
export TUG_HOST="unix://$SOCK"
TUG=bin/tug

if ! $TUG version >/dev/null 2>&1; then
  echo "==> starting tugd (log: /tmp/tugd-demo.log)"
  nohup bin/tugd -H "$TUG_HOST" >/tmp/tugd-demo.log 2>&1 &
  echo $! >/tmp/tugd-demo.pid
  i=0
  until $TUG version >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 100 ] || { cat /tmp/tugd-demo.log; exit 1; }
    sleep 0.1
  done
fi

step() { echo; echo "\$ tug $*"; $TUG "$@"; }

step version
step bootstrap busybox
step images
step tag busybox example/echo:latest
step image tag example/echo:latest example/echo:0.1.0
step image ls
step history busybox
step save -o /tmp/tug-demo-busybox.tar busybox
step rmi example/echo:0.1.0 example/echo:latest
step load -i /tmp/tug-demo-busybox.tar
step images --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}'
rm -f /tmp/tug-demo-busybox.tar
$TUG rm -f demo-web >/dev/null 2>&1 || true
step run --rm busybox echo "Hello from a tug container"
step run -d --name demo-web -e GREETING=hi busybox sh -c 'echo "$GREETING from $(hostname)"; exec sleep 3600'
step ps
step logs demo-web
step exec demo-web sh -c 'echo exec as $(id -un) in $(pwd); ps'
step stop -t 1 demo-web
step ps -a --filter name=demo-web
step rm demo-web

# The seeds' first Dockerfile (on busybox in place of ubuntu:16.04), built and run.
HELLO=$(mktemp -d /tmp/tug-demo-hello.XXXXXX)
printf '#!/bin/sh\necho "hello, world!"\n' >"$HELLO/helloworld"
printf 'FROM busybox\n\nCOPY helloworld /usr/local/bin\nRUN chmod +x /usr/local/bin/helloworld\n\nCMD ["helloworld"]\n' >"$HELLO/Dockerfile"
echo; echo "\$ cat Dockerfile"; cat "$HELLO/Dockerfile"
step image build -t helloworld:latest "$HELLO"
step container run --rm helloworld:latest
step build -t helloworld:latest "$HELLO"
rm -rf "$HELLO"

# The seeds' workflow: push to a registry, pull it back as another server would, run it.
REG_ROOT=$(mktemp -d /tmp/tug-demo-registry.XXXXXX)
$TUG registry serve --addr 127.0.0.1:0 --root "$REG_ROOT" >"$REG_ROOT.log" 2>&1 &
REG_PID=$!
i=0
until grep -q 'listening on' "$REG_ROOT.log"; do
  i=$((i + 1)); [ $i -lt 100 ] || { cat "$REG_ROOT.log"; exit 1; }
  sleep 0.1
done
REG=$(sed -n 's|.*listening on http://\([^ ]*\).*|\1|p' "$REG_ROOT.log")
step image tag helloworld:latest "$REG/example/echo:latest"
step image push "$REG/example/echo:latest"
step rmi "$REG/example/echo:latest"
step image pull "$REG/example/echo:latest"
step container run --rm "$REG/example/echo:latest"
step search --limit 5 "$REG/example"
step rmi "$REG/example/echo:latest"
kill "$REG_PID"
rm -rf "$REG_ROOT" "$REG_ROOT.log"

# The seeds' `docker run --name … -v $(pwd):/home/node/app -p 8080:8080 …`, with busybox's httpd.
WEB=$(mktemp -d /tmp/tug-demo-web.XXXXXX)
echo "served from a bind mount through a published port" >"$WEB/index.html"
$TUG rm -f demo-web >/dev/null 2>&1 || true
step run -d --name demo-web -v "$WEB:/home/node/app" -p 8080:8080 busybox httpd -f -p 8080 -h /home/node/app
step port demo-web
sleep 0.3
echo; echo "\$ curl http://127.0.0.1:8080/"; curl -s http://127.0.0.1:8080/
step rm -f demo-web
rm -rf "$WEB"

# A user network with its DNS, and a named volume that outlives its container.
$TUG network rm demo-net >/dev/null 2>&1 || true
$TUG volume rm -f demo-data >/dev/null 2>&1 || true
step network create demo-net
step run -d --name demo-db --network demo-net -v demo-data:/data busybox sh -c 'echo kept > /data/note; exec httpd -f -p 80 -h /data'
sleep 0.3
step run --rm --network demo-net busybox wget -qO- http://demo-db/note
step rm -f demo-db
step run --rm -v demo-data:/data busybox cat /data/note
step volume ls
step network ls
step volume rm demo-data
step network rm demo-net
echo
echo "tugd is running at $TUG_HOST (pid $(cat /tmp/tugd-demo.pid 2>/dev/null || echo '?')); try: bin/tug images"
