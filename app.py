"""The Flask application factory, and ``app`` for ``gunicorn app:app``.

``create_app`` loads the model (one per process), so importing this module for the
factory, as the tests and CLI do, must not build an app by itself: ``app`` is made on
first access (PEP 562), which Gunicorn does in each worker after it forks.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from flask import Flask
from flask_cors import CORS

from sentiment.config import PROJECT_ROOT, from_env, validate
from sentiment.models.aspects.store import AspectSets
from sentiment.models.custom.store import ClassifierStore
from sentiment.models.custom.zero_shot_slot import ZeroShotSlot
from sentiment.models.model_slot import ModelSlot
from sentiment.jobs import engines
from sentiment.web import api, aspects, back_pressure, bulk, custom, jobs, metrics, openapi, page, request_log, security
from sentiment.web.errors import register_error_handlers
from sentiment.web.proxies import TrustedProxies


def _log_to_stderr(logger: logging.Logger) -> None:
    """Our own handler: ModelScope raises the root console handler to ERROR on import,
    which would hide the line that says which model serves."""
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(from_env())
    if test_config:
        app.config.from_mapping(test_config)
        validate(app.config)
    if "gunicorn" in os.environ.get("SERVER_SOFTWARE", "").lower():
        app.debug = False  # FLASK_DEBUG's debugger runs code for whoever reaches it: never in production
    app.wsgi_app = TrustedProxies(app.wsgi_app, app.config["SENTIMENT_TRUSTED_PROXIES"])
    app.url_map.merge_slashes = False  # /api/a//b is a JSON 404, not Werkzeug's HTML redirect to /api/a/b
    app.json.ensure_ascii = False  # real Chinese characters in responses, not \\u escapes
    app.json.sort_keys = False
    app.json.mimetype = "application/json; charset=utf-8"  # said outright for clients that guess Latin-1
    _log_to_stderr(logging.getLogger("sentiment"))

    CORS(app, resources={r"/api/*": {"origins": app.config["SENTIMENT_CORS_ORIGINS"]}})
    register_error_handlers(app)
    # In this order: every request gets an id and a log line, then needs a key, then a place.
    request_log.install(app)
    security.install(app)
    back_pressure.install(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(bulk.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(custom.bp)
    app.register_blueprint(aspects.bp)
    app.register_blueprint(page.bp)
    openapi.install(app)
    app.extensions["classifiers"] = ClassifierStore(app.config["SENTIMENT_DATA_DIR"])
    app.extensions["aspect_sets"] = AspectSets(app.config["SENTIMENT_DATA_DIR"])
    zero_shot = app.extensions["zero_shot"] = ZeroShotSlot()
    zero_shot.load(app.config)  # only when on disk: zero-shot is optional

    slot = ModelSlot(observe=metrics.observe_inference)
    app.extensions["sentiment_model"] = slot
    metrics.install(app, slot)
    if app.config["SENTIMENT_LOAD_IN_BACKGROUND"]:
        slot.load_in_background(app.config)
    else:
        slot.load(app.config)
    app.extensions["jobs"], app.extensions["job_engine"] = engines.for_service(
        app.config, slot, app.extensions["classifiers"], zero_shot)
    return app


def __getattr__(name: str) -> Flask:
    if name == "app":
        globals()["app"] = application = create_app()
        return application
    raise AttributeError(name)
