"""The deployments a running server knows, each with its live budget.

Deployments named in the configuration exist from the start; others are created
from the default template on first use (or refused, if so configured).
Thread-safe.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from otel_agent.server._config import DeploymentConfig, ServerConfig
from otel_agent.server._ratelimit import SlidingWindowBudget


@dataclass(frozen=True)
class Deployment:
    """A deployment's name, configuration and budget."""

    name: str
    config: DeploymentConfig
    budget: SlidingWindowBudget

    @property
    def model(self) -> str:
        return self.config.response_model(self.name)


class DeploymentRegistry:
    """Looks up deployments by name, creating them when allowed."""

    def __init__(self, config: ServerConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._deployments: dict[str, Deployment] = {}
        self.reset()

    def reset(self) -> None:
        """Forget auto-created deployments and refill every budget."""
        with self._lock:
            self._deployments = {
                name: self._create(name, deployment)
                for name, deployment in self._config.deployments.items()
            }

    def get(self, name: str) -> Deployment | None:
        """The deployment called *name*, or None if it does not exist and
        cannot be created."""
        with self._lock:
            found = self._deployments.get(name)
            if found is None and name and self._config.auto_create_deployments:
                found = self._create(name, self._config.default_deployment)
                self._deployments[name] = found
            return found

    def update(self, name: str, config: DeploymentConfig) -> None:
        """Replace (or add) deployment *name* with a fresh budget."""
        with self._lock:
            self._deployments[name] = self._create(name, config)

    def _create(self, name: str, config: DeploymentConfig) -> Deployment:
        budget = SlidingWindowBudget(
            tokens=config.tokens_per_minute,
            requests=config.requests_per_minute,
            window_seconds=self._config.window_seconds,
        )
        return Deployment(name=name, config=config, budget=budget)
