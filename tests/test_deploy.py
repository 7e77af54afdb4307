"""The deployment files say what the code does: manifests valid against Kubernetes' schema,
commands the ``hub`` CLI has, settings the hub reads, probes on the port it serves them on."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from hub.cli import parser
from hub.config import KEY_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33.0"
"""The oldest Kubernetes the manifests promise to run on (CronJob timeZone is GA from 1.27)."""
SETTINGS_READ = set(re.findall(r'"(HUB_[A-Z0-9_]+)"', (ROOT / "hub" / "config.py").read_text()))
RELAY_SETTINGS_READ = {
    setting
    for source in ("hub/relay/settings.py", "hub/cli/relay.py")
    for setting in re.findall(r'"(HUB_[A-Z0-9_]+)"', (ROOT / source).read_text())
}


def _documents(path: Path) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def _manifests() -> list[tuple[str, dict[str, Any]]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = [*kustomization["resources"], "secrets.example.yaml"]
    return [(name, document) for name in files for document in _documents(K8S / name)]


def _by_kind(kind: str) -> list[dict[str, Any]]:
    return [document for _, document in _manifests() if document["kind"] == kind]


def _deployment(name: str) -> dict[str, Any]:
    (found,) = [d for d in _by_kind("Deployment") if d["metadata"]["name"] == name]
    return found


def _pod_specs() -> list[dict[str, Any]]:
    specs = [deployment["spec"]["template"]["spec"] for deployment in _by_kind("Deployment")]
    specs += [job["spec"]["template"]["spec"] for job in _by_kind("Job")]
    specs += [
        cron["spec"]["jobTemplate"]["spec"]["template"]["spec"] for cron in _by_kind("CronJob")
    ]
    return specs


@pytest.mark.parametrize(("name", "manifest"), _manifests(), ids=lambda value: str(value)[:40])
def test_each_manifest_is_valid_against_the_kubernetes_schema(
    name: str, manifest: dict[str, Any]
) -> None:
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_every_file_in_the_folder_is_applied_or_is_the_secrets_template() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    applied = {*kustomization["resources"], "kustomization.yaml", "secrets.example.yaml"}

    assert {path.name for path in K8S.glob("*.yaml")} == applied


def test_every_container_runs_a_command_the_hub_has() -> None:
    commands = [container["args"] for spec in _pod_specs() for container in spec["containers"]]

    for args in commands:
        parser().parse_args(args)  # exits with status 2 on an unknown command


def test_every_setting_given_is_one_the_hub_reads() -> None:
    (settings,) = _by_kind("ConfigMap")
    keys = {name for secret in _by_kind("Secret") for name in secret.get("stringData", {})}

    assert set(settings["data"]) <= SETTINGS_READ
    assert {"HUB_DATABASE_URL", *KEY_SETTINGS} <= keys


def test_probes_ask_the_ops_port_the_hub_is_told_to_serve() -> None:
    (settings,) = _by_kind("ConfigMap")
    (container,) = _deployment("hub")["spec"]["template"]["spec"]["containers"]
    ops_port = int(settings["data"]["HUB_OPS_LISTEN"].rsplit(":", 1)[1])
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}

    assert ports["ops"] == ops_port
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "ops"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "ops"}


def test_the_relay_runs_with_settings_it_reads_and_probes_on_its_own_ops_port() -> None:
    (container,) = _deployment("hub-relay")["spec"]["template"]["spec"]["containers"]
    env = {variable["name"]: variable["value"] for variable in container["env"]}
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}

    assert container["args"] == ["relay"]
    assert set(env) <= RELAY_SETTINGS_READ
    assert "HUB_OPS_LISTEN" not in env  # the hub's; the relay's is HUB_RELAY_OPS_LISTEN
    assert ports["ops"] == int(env["HUB_RELAY_OPS_LISTEN"].rsplit(":", 1)[1])
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "ops"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "ops"}
    assert {"secretRef": {"name": "hub-keys"}} in container["envFrom"]  # HUB_DATA_KEY


def test_the_relay_may_reach_nats_and_https_webhooks_and_only_monitoring_reaches_it() -> None:
    policies = {policy["metadata"]["name"]: policy["spec"] for policy in _by_kind("NetworkPolicy")}
    egress = policies["hub-relay-egress"]["egress"]
    (ingress,) = policies["hub-relay-ingress"]["ingress"]
    nats_port = int(_relay_env("HUB_NATS_URL").rsplit(":", 1)[1])

    assert {"port": nats_port, "protocol": "TCP"} in egress[0]["ports"]
    assert {"port": 443, "protocol": "TCP"} in egress[0]["ports"]
    assert ingress["ports"] == [
        {"port": int(_relay_env("HUB_RELAY_OPS_LISTEN").rsplit(":", 1)[1]), "protocol": "TCP"}
    ]


def _relay_env(name: str) -> str:
    (container,) = _deployment("hub-relay")["spec"]["template"]["spec"]["containers"]
    return next(variable["value"] for variable in container["env"] if variable["name"] == name)


def test_every_pod_runs_as_the_images_user_without_privileges() -> None:
    for spec in _pod_specs():
        assert spec["securityContext"]["runAsUser"] == 10001
        for container in spec["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_replicas_run_no_background_work_the_cron_jobs_do() -> None:
    (settings,) = _by_kind("ConfigMap")
    schedules = {cron["metadata"]["name"] for cron in _by_kind("CronJob")}

    assert settings["data"]["HUB_SWEEP_INTERVAL_S"] == "0"
    assert "HUB_SETTLEMENT_NIGHTLY" not in settings["data"]
    assert schedules == {"hub-sweep", "hub-settle"}


def test_compose_runs_a_healthy_restartable_hub_with_every_key() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    hub = compose["services"]["hub"]

    assert hub["restart"] == "unless-stopped"
    assert "/readyz" in " ".join(hub["healthcheck"]["test"])
    assert set(KEY_SETTINGS) <= set(hub["environment"])
    assert hub["environment"]["HUB_OPS_LISTEN"].endswith(":9090")


def test_compose_hands_the_image_user_a_key_it_can_read() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    pki = compose["services"]["pki"]
    copy = " ".join(pki["command"])

    assert "chown 10001:10001" in copy
    assert compose["services"]["hub"]["depends_on"]["pki"] == {
        "condition": "service_completed_successfully"
    }
