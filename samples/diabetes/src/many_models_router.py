"""A router for many-models containers: POST /score forwards each request to the container serving its model.

Reads the routing map GroupManyModels writes and registers (routing-map.json: container -> models and scoring
URI). Requests are {"model": "<name>", "data": [...]} or a list of them; requests for one container go in one
call. Endpoint keys (online endpoints) come from a JSON file {"<container>": "<key>"} given with --keys, never
from the map. Standard library only:

    python many_models_router.py --routing-map routing-map.json --port 8080 [--keys keys.json]
"""
import argparse
import http.server
import json
import urllib.error
import urllib.request


def load_routes(path):
    with open(path) as handle:
        routing = json.load(handle)
    return {model: name for name, c in routing["containers"].items() for model in c["models"]}, routing["containers"]


def forward(uri, key, requests):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = "Bearer " + key
    call = urllib.request.Request(uri, data=json.dumps(requests).encode("utf-8"), headers=headers, method="POST")
    with urllib.request.urlopen(call, timeout=30) as response:
        return json.loads(response.read())


def route(body, routes, containers, keys):
    """Returns (status, answer): 400 for unknown models, the upstream status when a container fails."""
    requests = body if isinstance(body, list) else [body]
    unknown = sorted({str(r.get("model")) for r in requests if r.get("model") not in routes})
    if unknown:
        return 400, {"error": f"no container serves model(s) {', '.join(unknown)}"}
    by_container = {}
    for position, r in enumerate(requests):
        by_container.setdefault(routes[r["model"]], []).append((position, r))
    answers = [None] * len(requests)
    for name, items in by_container.items():
        try:
            results = forward(containers[name]["service"]["scoringUri"], keys.get(name), [r for _, r in items])
        except urllib.error.HTTPError as err:
            return err.code, {"error": f"container {name} answered {err.code}"}
        for (position, _), result in zip(items, results):
            answers[position] = result
    return 200, answers if isinstance(body, list) else answers[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--routing-map", required=True)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--keys")
    args = parser.parse_args()
    routes, containers = load_routes(args.routing_map)
    keys = {}
    if args.keys:
        with open(args.keys) as handle:
            keys = json.load(handle)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            if self.path.split("?")[0] != "/score":
                return self.reply(404, {"error": "not found"})
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                return self.reply(400, {"error": "the body is not JSON"})
            if not isinstance(body, (list, dict)):
                return self.reply(400, {"error": "send {\"model\": ..., \"data\": [...]} or a list of them"})
            self.reply(*route(body, routes, containers, keys))

        def reply(self, status, answer):
            data = json.dumps(answer).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"routing {len(routes)} model(s) to {len(containers)} container(s) on port {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
