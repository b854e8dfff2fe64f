"""tritonclient (pinned in scripts/requirements-test.txt) against an mloop server, over HTTP and gRPC.

Run by test/serving/oip-clients.test.ts with:
  MLOOP_OIP_HTTP      host:port of the HTTP server
  MLOOP_OIP_GRPC      host:port of its gRPC port (the gRPC tests are skipped when unset)
  MLOOP_OIP_MODEL     the model served, an iris classifier with one input per feature
  MLOOP_OIP_VERSION   the version it serves
  MLOOP_OIP_EXPECTED  expected.json of make_models.py: the rows and scikit-learn's predictions
"""

import json
import os

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

MODEL = os.environ["MLOOP_OIP_MODEL"]
VERSION = os.environ["MLOOP_OIP_VERSION"]
FLOATS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
CLASSES = ["setosa", "versicolor", "virginica"]

with open(os.environ["MLOOP_OIP_EXPECTED"]) as f:
    EXPECTED = json.load(f)
ROWS = EXPECTED["rows"]
LABELS = EXPECTED["models"]["columns-v1"]["labels"]
PROBABILITIES = [[p[c] for c in CLASSES] for p in EXPECTED["models"]["columns-v1"]["probabilities"]]

PROTOCOLS = ["http"] + (["grpc"] if os.environ.get("MLOOP_OIP_GRPC") else [])


@pytest.fixture(params=PROTOCOLS)
def protocol(request):
    return request.param


def module(protocol):
    return httpclient if protocol == "http" else grpcclient


@pytest.fixture
def client(protocol):
    url = os.environ["MLOOP_OIP_HTTP" if protocol == "http" else "MLOOP_OIP_GRPC"]
    c = module(protocol).InferenceServerClient(url=url)
    yield c
    c.close()


def feature_inputs(protocol, binary):
    """One [n, 1] tensor per feature, as a scikit-learn user sends a DataFrame's columns."""
    inputs = []
    for name in FLOATS + ["petal_count"]:
        dtype = np.int64 if name == "petal_count" else np.float32
        values = np.array([row[name] for row in ROWS], dtype=dtype).reshape(-1, 1)
        tensor = module(protocol).InferInput(name, list(values.shape), "INT64" if name == "petal_count" else "FP32")
        if protocol == "http":
            tensor.set_data_from_numpy(values, binary_data=binary)
        else:
            tensor.set_data_from_numpy(values)
        inputs.append(tensor)
    return inputs


def requested(protocol, names, binary):
    if protocol == "http":
        return [httpclient.InferRequestedOutput(n, binary_data=binary) for n in names]
    return [grpcclient.InferRequestedOutput(n) for n in names]


def assert_iris(result):
    labels = [v.decode() if isinstance(v, bytes) else v for v in result.as_numpy("label").tolist()]
    assert labels == LABELS
    probabilities = result.as_numpy("probabilities")
    assert probabilities.shape == (len(ROWS), 3)
    np.testing.assert_allclose(probabilities, PROBABILITIES, atol=1e-5)


def test_server_is_live_and_ready_and_names_its_extensions(client, protocol):
    assert client.is_server_live()
    assert client.is_server_ready()
    metadata = client.get_server_metadata(**({"as_json": True} if protocol == "grpc" else {}))
    assert metadata["name"] == "mloop"
    if protocol == "http":
        assert "binary_tensor_data" in metadata["extensions"]


def test_model_is_ready_and_described(client, protocol):
    assert client.is_model_ready(MODEL)
    assert client.is_model_ready(MODEL, VERSION)
    metadata = client.get_model_metadata(MODEL, **({"as_json": True} if protocol == "grpc" else {}))
    assert metadata["name"] == MODEL
    assert metadata["versions"] == [VERSION]
    inputs = {t["name"]: (t["datatype"], [int(d) for d in t["shape"]]) for t in metadata["inputs"]}
    assert inputs["sepal_length"] == ("FP32", [-1, 1])
    assert inputs["petal_count"] == ("INT64", [-1, 1])
    outputs = {t["name"]: t["datatype"] for t in metadata["outputs"]}
    assert outputs == {"label": "BYTES", "probabilities": "FP32"}


def test_http_model_config_lists_the_tensors(client, protocol):
    if protocol != "http":
        pytest.skip("model configuration is an HTTP extension here")
    config = client.get_model_config(MODEL)
    assert config["name"] == MODEL
    assert {t["name"]: t["data_type"] for t in config["input"]}["petal_count"] == "TYPE_INT64"
    assert {t["name"]: t["data_type"] for t in config["output"]}["label"] == "TYPE_STRING"


@pytest.mark.parametrize("binary", [False, True], ids=["json", "binary"])
def test_infers_like_scikit_learn(client, protocol, binary):
    # Without requested outputs tritonclient asks for every output in binary.
    assert_iris(client.infer(MODEL, feature_inputs(protocol, binary)))
    outputs = requested(protocol, ["label", "probabilities"], binary)
    assert_iris(client.infer(MODEL, feature_inputs(protocol, binary), model_version=VERSION, outputs=outputs))


def test_answers_only_the_requested_output(client, protocol):
    result = client.infer(MODEL, feature_inputs(protocol, True), outputs=requested(protocol, ["label"], True))
    assert result.as_numpy("probabilities") is None
    assert len(result.as_numpy("label")) == len(ROWS)


def test_errors_carry_the_servers_message(client, protocol):
    not_found = "404" if protocol == "http" else "StatusCode.NOT_FOUND"
    invalid = "400" if protocol == "http" else "StatusCode.INVALID_ARGUMENT"
    with pytest.raises(InferenceServerException) as unknown:
        client.infer("no-such-model", feature_inputs(protocol, False))
    assert unknown.value.status() == not_found
    assert "no-such-model" in unknown.value.message()

    wrong = module(protocol).InferInput("sepal_length", [1], "BYTES")
    wrong.set_data_from_numpy(np.array([b"x"], dtype=np.object_))
    with pytest.raises(InferenceServerException) as bad:
        client.infer(MODEL, [wrong])
    assert bad.value.status() == invalid
    assert "datatype BYTES" in bad.value.message()


def test_an_unsupported_extension_answers_the_protocol_error(client, protocol):
    # The repository extension is not in server metadata: over HTTP its route answers a 404 with
    # the protocol's `error`; over gRPC the service does not declare the method.
    with pytest.raises(InferenceServerException) as unsupported:
        client.get_model_repository_index()
    if protocol == "http":
        assert unsupported.value.status() == "404"
        assert "No route for POST /v2/repository/index" in unsupported.value.message()
    else:
        assert unsupported.value.status() == "StatusCode.UNIMPLEMENTED"
