/**
 * The worker a parallel job runs on each "process" of each "instance": it imports the entry script, calls
 * `init()` once, then `run(mini_batch)` for every mini-batch it is sent (one JSON line on stdin each: a list of
 * file paths, or a CSV chunk that becomes a pandas DataFrame as in Azure ML's tabular mini-batches), and answers
 * one JSON line per mini-batch on its real stdout. The user's prints go to the log (stderr).
 */
export const PARALLEL_DRIVER = String.raw`
import importlib.util, json, os, sys, traceback
out = sys.stdout
sys.stdout = sys.stderr
entry = sys.argv[1]
sys.argv = [entry] + sys.argv[2:]
sys.path.insert(0, os.getcwd())
spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(entry))[0], entry)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
if hasattr(module, "init"):
    module.init()
def rows_of(result):
    if result is None:
        return []
    if hasattr(result, "itertuples"):
        return [" ".join(str(v) for v in row) for row in result.itertuples(index=False)]
    return [str(r) for r in result]
for line in sys.stdin:
    request = json.loads(line)
    try:
        if "csv" in request:
            import pandas
            batch = pandas.read_csv(request["csv"])
        else:
            batch = request["items"]
        answer = {"batch": request["batch"], "ok": True, "rows": rows_of(module.run(batch))}
    except Exception:
        answer = {"batch": request["batch"], "ok": False, "error": traceback.format_exc()}
    out.write(json.dumps(answer) + "\n")
    out.flush()
if hasattr(module, "shutdown"):
    module.shutdown()
`;
