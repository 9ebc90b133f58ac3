"""Harbor, Northwind Parcel's support agent: a smolagents agent on Azure OpenAI.

An ordinary LLM application: LiteLLM through smolagents, an Azure AD token,
Python ``logging`` at DEBUG. It knows nothing about OpenTelemetry; run it under
``opentelemetry-instrument`` to get traces, token usage and rate-limit headroom.

Configuration comes from the environment:

    AZURE_API_BASE       https://<resource>.openai.azure.com
    AZURE_API_VERSION    e.g. 2024-10-21
    AZURE_AD_TOKEN       an Azure AD access token for Cognitive Services
    AZURE_DEPLOYMENT     the chat deployment (default gpt-4o)

Usage:

    python examples/agent.py "Where is my parcel NW-448120?"
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from smolagents import LiteLLMModel, ToolCallingAgent, tool

HERE = Path(__file__).resolve().parent
DEFAULT_QUESTION = (
    "My parcel NW-448120 was due yesterday and still has not arrived. "
    "Where is it, and am I owed anything for the delay?"
)

logger = logging.getLogger("harbor")

_ORDERS = {
    "NW-448120": {
        "status": "out_for_delivery",
        "last_scan": "Utrecht hub, 06:40, loaded on van 17",
        "service": "Express",
        "promised": "Tuesday 10 June",
        "window": "Wednesday 11 June, 13:00-15:00",
        "declared_value_eur": 180.0,
        "open_claim": None,
    },
}

_HANDBOOK = {
    "4.2": "Express is guaranteed: when the promised day is missed, the "
    "shipping fee is refunded automatically within fourteen days, no claim "
    "needed.",
    "6.1": "Loss claims: within thirty days of the promised delivery date, by "
    "the customer who paid for the shipment.",
    "6.3": "Damage claims need photos of the parcel and packaging within seven "
    "days of delivery.",
}


@tool
def lookup_order(order_id: str) -> dict:
    """Return the current record of a Northwind shipment.

    Args:
        order_id: The order number, for example NW-448120.
    """
    order = _ORDERS.get(order_id.strip().upper())
    if order is None:
        return {"error": f"No shipment with order number {order_id}."}
    return {"order_id": order_id, **order}


@tool
def search_policies(query: str) -> list:
    """Search the Northwind policy handbook.

    Args:
        query: What to look for, for example "late express refund".
    """
    words = {word.lower() for word in query.split()}
    hits = [
        {"section": section, "text": text}
        for section, text in _HANDBOOK.items()
        if words & {w.strip(".,:").lower() for w in text.split()}
    ]
    return hits or [{"section": None, "text": "No matching section."}]


@tool
def estimate_delivery(postcode: str, weight_kg: float, service: str) -> str:
    """Estimate when a new shipment would arrive.

    Args:
        postcode: Destination postcode.
        weight_kg: Parcel weight in kilograms.
        service: Standard, Express or Freight.
    """
    if weight_kg > 31.5 and service.lower() != "freight":
        return "Parcels over 31.5 kg must be sent as Freight."
    days = {"express": "1", "standard": "2-4", "freight": "2-3"}.get(
        service.lower(), "unknown"
    )
    return f"{service} to {postcode}: {days} working days."


def build_agent() -> ToolCallingAgent:
    deployment = os.environ.get("AZURE_DEPLOYMENT", "gpt-4o")
    params = {
        "model_id": f"azure/{deployment}",
        "api_base": os.environ["AZURE_API_BASE"],
        "api_version": os.environ["AZURE_API_VERSION"],
        "azure_ad_token": os.environ["AZURE_AD_TOKEN"],
        "num_retries": 3,
        "max_tokens": 800,
        "temperature": 0.2,
    }
    # The line from the original application: handy when debugging, and the
    # reason its log file held the Azure AD token.
    logger.debug("LiteLLM params: %s", params)
    # LiteLLM retries; smolagents' own retry (a fixed 60 s wait) is turned off.
    model = LiteLLMModel(**params, retry=False)
    return ToolCallingAgent(
        tools=[lookup_order, search_policies, estimate_delivery],
        model=model,
        instructions=(HERE / "system_prompt.md").read_text(encoding="utf-8"),
        max_steps=6,
        verbosity_level=1,
    )


def main() -> int:
    Path("logs").mkdir(exist_ok=True)
    logging.basicConfig(
        filename="logs/app.log",
        level=logging.DEBUG,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    question = " ".join(sys.argv[1:]) or DEFAULT_QUESTION
    logger.info("Question received (%d characters)", len(question))
    try:
        answer = build_agent().run(question)
    except Exception:
        logger.exception("Agent failed")
        return 1
    logger.info("Answer sent")
    print(f"Answer: {answer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
