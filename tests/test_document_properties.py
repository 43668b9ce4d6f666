"""Random sequences of Document calls keep the document valid.

Hypothesis drives the API with arbitrary names, values and orders. A call
may reject its input with ``UsageError``, but after every step
``mlspec.validate`` must report no error, and a saved JSON or YAML file must
read back as the same data. The business rules that depend on calls this API
does not make (deployments, a metric before Finished) are off.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

import mlspec
from mlspec.document import Document
from mlspec.errors import UsageError

SEVERITIES = {
    "run-finished-no-metric": "off",
    "production-no-active-deployment": "off",
}

names = st.text(min_size=0, max_size=12)
keys = st.one_of(
    st.sampled_from(["accuracy", "loss", "lr", "val_loss", "depth"]),
    st.text(max_size=8),
)
parameter_values = st.one_of(
    st.text(max_size=10),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
metric_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "x"]),
    st.booleans(),
)
steps = st.one_of(st.none(), st.integers(min_value=-(2**64), max_value=2**64))


class DocumentMachine(RuleBasedStateMachine):
    experiments = Bundle("experiments")
    runs = Bundle("runs")
    versions = Bundle("versions")

    def __init__(self) -> None:
        super().__init__()
        self.doc = Document(user="tester", severities=SEVERITIES)
        self.folder = Path(tempfile.mkdtemp(prefix="mlspec-document-"))

    def teardown(self) -> None:
        shutil.rmtree(self.folder)

    @rule(target=experiments, name=names, tags=st.lists(keys, max_size=3))
    def create_experiment(self, name, tags):
        try:
            return self.doc.create_experiment(name, tags=tags)
        except UsageError:
            return self.doc.create_experiment(
                f"experiment {len(self.doc._index['experiments'])}"
            )

    @rule(target=runs, experiment=experiments, name=names, data=st.data())
    def start_run(self, experiment, name, data):
        known = list(self.doc._index["runs"])
        parent = (
            data.draw(st.one_of(st.none(), st.sampled_from(known))) if known else None
        )
        try:
            return self.doc.start_run(experiment, name, parent=parent)
        except UsageError:
            return self.doc.start_run(experiment, "run")

    @rule(run=runs, key=keys, value=parameter_values)
    def log_param(self, run, key, value):
        try:
            self.doc.log_param(run, key, value)
        except UsageError:
            pass

    @rule(run=runs, key=keys, value=metric_values, step=steps)
    def log_metric(self, run, key, value, step):
        try:
            self.doc.log_metric(run, key, value, step=step)
        except UsageError:
            pass

    @rule(
        run=runs,
        key=keys,
        value=st.one_of(st.none(), st.text(max_size=5), st.integers()),
    )
    def set_tag(self, run, key, value):
        try:
            self.doc.set_tag(run, key, value)
        except UsageError:
            pass

    @rule(run=runs, status=st.sampled_from(["Finished", "Failed", "Killed", "Running"]))
    def end_run(self, run, status):
        try:
            self.doc.end_run(run, status)
        except UsageError:
            pass

    @rule(target=versions, run=runs, name=st.sampled_from(["A", "B", ""]), uri=names)
    def register_model(self, run, name, uri):
        try:
            return self.doc.register_model(name, run, uri=uri, format="MLflow")
        except UsageError:
            return self.doc.register_model(
                "A", run, uri="runs:/x/model", format="MLflow"
            )

    @rule(
        version=versions,
        stage=st.sampled_from(["None", "staging", "Production", "Archived", "Live"]),
        archive=st.booleans(),
    )
    def transition(self, version, stage, archive):
        try:
            self.doc.transition(version, stage, archive_existing=archive)
        except UsageError:
            pass

    @rule(
        version=versions, alias=st.sampled_from(["champion", "challenger", "v2", "a b"])
    )
    def set_alias(self, version, alias):
        try:
            self.doc.set_alias(version, alias)
        except UsageError:
            pass

    @precondition(lambda self: self.doc._index["runs"])
    @rule(data=st.data())
    def compare(self, data):
        run_ids = data.draw(
            st.lists(st.sampled_from(list(self.doc._index["runs"])), min_size=1)
        )
        comparison = self.doc.compare_runs(run_ids)
        for metric in comparison.metrics:
            for run_id in metric.best_run_ids:
                assert metric.values[run_id] not in ("NaN", "Infinity", "-Infinity")

    @rule(suffix=st.sampled_from([".json", ".yaml"]))
    def save_and_reload(self, suffix):
        path = self.doc.save(self.folder / f"doc{suffix}")

        assert mlspec.read_document(path) == self.doc.data

    @invariant()
    def document_is_valid(self):
        report = mlspec.validate(copy.deepcopy(self.doc.data), severities=SEVERITIES)
        assert report.errors == []


DocumentMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_document_calls_keep_valid = DocumentMachine.TestCase
