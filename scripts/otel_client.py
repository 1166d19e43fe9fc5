"""A real OpenTelemetry client against a running Vernier: Python's opentelemetry-sdk with the
unmodified OTLP/HTTP exporter, configured only by the standard environment variables, emits
GenAI spans (one with an evaluation event); the outputs and scores are then read back through
Vernier's REST API.

Usage: python otel_client.py http://HOST:PORT   (prints "otel checks passed: N" when all pass)
"""

import json
import os
import sys
import time

from peer_client import Checks, Vernier

BASE = sys.argv[1].rstrip("/")
PROJECT = "support-bot-dach"
VERSION = f"otel-py-{int(time.time())}"
check = Checks()
vernier = Vernier(BASE)


# An owner of the demo project makes a key and an external metric for the evaluation events.
vernier.sign_in("owner", "vernier-demo")
key = vernier.api_key(PROJECT, "otel python")
vernier.rest("POST", f"/api/v1/projects/{PROJECT}/metrics", key, {
    "key": "otel-faithfulness", "name": "Faithfulness (reported)", "question": "Is the reply grounded?",
    "paradigm": "model", "category": "quality", "cadence": "async", "action_on_failure": "flag",
    "scorer": {"kind": "external"}, "pass_rule": {"threshold": 0.7, "direction": "at_least"},
    "stage": "crawl", "owner": "owner", "cost_per_failure": "2", "review_date": "2030-01-01"})
vernier.rest("POST", f"/api/v1/projects/{PROJECT}/metrics/otel-faithfulness/activate", key, {})

# Only the standard variables point the exporter at Vernier.
os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = f"{BASE}/v1/traces"
os.environ["OTEL_EXPORTER_OTLP_TRACES_HEADERS"] = f"Authorization=Bearer%20{key}"

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: E402

provider = TracerProvider(resource=Resource.create({"service.name": "support-bot", "service.version": VERSION}))
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
tracer = provider.get_tracer("vernier-otel-check")


def text(role, content):
    return {"role": role, "parts": [{"type": "text", "content": content}]}


with tracer.start_as_current_span("invoke_agent support") as agent:
    agent.set_attribute("gen_ai.operation.name", "invoke_agent")
    with tracer.start_as_current_span("chat gpt-4o") as span:
        span.set_attribute("gen_ai.operation.name", "chat")
        span.set_attribute("gen_ai.provider.name", "openai")
        span.set_attribute("gen_ai.request.model", "gpt-4o")
        span.set_attribute("gen_ai.conversation.id", "otel-conv-1")
        span.set_attribute("gen_ai.usage.input_tokens", 42)
        span.set_attribute("gen_ai.usage.output_tokens", 17)
        span.set_attribute("user.locale", "de-DE")
        span.set_attribute("gen_ai.input.messages", json.dumps([text("user", "Wie kann ich meinen Vertrag kündigen?")]))
        span.set_attribute("gen_ai.output.messages", json.dumps([text(
            "assistant", "Sie können Ihren Vertrag jederzeit im Kundenkonto unter „Verträge“ kündigen.")]))
        span.add_event("gen_ai.evaluation.result", {
            "gen_ai.evaluation.name": "otel-faithfulness",
            "gen_ai.evaluation.score.value": 0.92,
            "gen_ai.evaluation.score.label": "pass",
            "gen_ai.evaluation.explanation": "Grounded in the contract terms."})
    # An older instrumentation's attributes: the reply is in English to a German customer.
    with tracer.start_as_current_span("openai.chat") as span:
        span.set_attribute("llm.request.type", "chat")
        span.set_attribute("gen_ai.system", "openai")
        span.set_attribute("gen_ai.request.model", "gpt-4o-mini")
        span.set_attribute("user.locale", "de-DE")
        span.set_attribute("gen_ai.prompt.0.role", "user")
        span.set_attribute("gen_ai.prompt.0.content", "Wo finde ich meine Rechnung?")
        span.set_attribute("gen_ai.completion.0.role", "assistant")
        span.set_attribute("gen_ai.completion.0.content", "You can find your invoice in your customer account under invoices.")
provider.force_flush()
provider.shutdown()

page = vernier.rest("GET", f"/api/v1/projects/{PROJECT}/outputs?version={VERSION}", key)
outputs = page["outputs"]
check(len(outputs) == 2, f"both chat spans became outputs of version {VERSION} (got {len(outputs)}), the agent span did not")
by_reply = {o["excerpt"][:8]: {s["metric_key"]: s for s in o["scores"]} for o in outputs}
german, english = by_reply.get("Sie könn"), by_reply.get("You can ")
check(german is not None and english is not None, f"the replies were stored as sent: {list(by_reply)}")
faith = german.get("otel-faithfulness")
check(faith is not None and abs(faith["value"] - 0.92) < 1e-9 and faith["passed"] is True,
      f"the evaluation event became a passing score of 0.92: {faith}")
check(english.get("reply-language", {}).get("passed") is False,
      f"the built-in language guardrail failed the English reply: {english.get('reply-language')}")
check(german.get("reply-language", {}).get("passed") is True,
      f"and passed the German one: {german.get('reply-language')}")
print(f"otel checks passed: {check.passed}")
