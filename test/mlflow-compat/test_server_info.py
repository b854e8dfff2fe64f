"""MLflow 3's capability document: its clients read it first (workspaces, multipart transfers)
and take their plain paths for what the server says it lacks, as against an older MLflow."""

import requests
from mlflow.utils.rest_utils import MlflowHostCreds
from mlflow.utils.server_info import fetch_server_info


def test_server_info_declares_what_mloop_lacks_on_both_prefixes(tracking_uri):
    for prefix in ["api", "ajax-api"]:
        response = requests.get(f"{tracking_uri}/{prefix}/3.0/mlflow/server-info", timeout=30)
        assert response.status_code == 200, response.text
        info = response.json()
        assert info["workspaces_enabled"] is False
        assert info["multipart_uploads_enabled"] is False
        assert info["multipart_downloads_enabled"] is False
        # tracing is served; the GenAI features mloop leaves out are declared absent
        assert info["features_enabled"] == {
            "gateway": False,
            "tracing": True,
            "evaluation_datasets": False,
            "scorers": False,
            "prompts": False,
        }


def test_the_client_reads_it(tracking_uri):
    answer = fetch_server_info(MlflowHostCreds(tracking_uri))
    assert answer.status_code == 200
    assert answer.data["store_type"] == "SqlStore"
