"""Prints the live check's verdict table, uploads it to the run summary, and fails when a check failed.

Reads what the earlier stages observed from the environment (the pipeline maps them into variables)."""
import json
import os
import sys
import tempfile

env = os.environ.get


def row(check, ok, evidence):
    return {"check": check, "ok": ok, "evidence": evidence}


def decision_job():
    try:
        return json.loads(env("GATEDECISION") or "{}").get("job", "")
    except ValueError:
        return ""


expected_job = env("EXPECTEDJOB", "")
rows = [
    row("Submit mode: the PUT carrying the webhook fires the callback (api-version 2024-10-01)", env("SUBMIT") == "Succeeded", f"server job Submit: {env('SUBMIT')}"),
    row("Attach mode: the PATCH (api-version 2024-04-01) fires the callback", env("ATTACH") == "Succeeded", f"server job Attach: {env('ATTACH')}"),
    row(
        "Templated fields: job name, tags and pipeline inputs evaluate as intended",
        decision_job() == expected_job and env("GATEREGISTERED") == "true",
        f"the gate found job '{decision_job()}' by its AzureDevOpsPlanId tag (expected '{expected_job}') and registered version {env('GATEVERSION') or '-'}",
    ),
    row("The connection (workload identity federation) serves the server jobs", env("SUBMIT") == "Succeeded", f"connection '{env('CONNECTION')}'"),
    row("The model-package image pulls into ACI with the chosen registry auth", bool(env("SCORINGURI")), f"container group scoring URI: {env('SCORINGURI') or '-'}"),
    row("SmokeTest reaches the endpoint", env("SMOKESTATUS") == "200", f"status {env('SMOKESTATUS') or '-'}"),
]
lines = ["### Live check", "", "| Check | Verdict | Evidence |", "|---|---|---|"]
lines += [f"| {r['check']} | {'pass' if r['ok'] else '**FAIL**'} | {r['evidence']} |" for r in rows]
table = "\n".join(lines) + "\n"
print(table)
summary = os.path.join(env("AGENT_TEMPDIRECTORY") or tempfile.gettempdir(), "live-check.md")
with open(summary, "w", encoding="utf-8") as f:
    f.write(table)
print(f"##vso[task.uploadsummary]{summary}")
failed = [r["check"] for r in rows if not r["ok"]]
print(f"##vso[task.setvariable variable=failed;isOutput=true]{len(failed)}")
sys.exit(1 if failed else 0)
