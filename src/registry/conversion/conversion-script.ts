// The Python side of mloop's ONNX conversion, shipped as code (as the gRPC schema is) so the
// build carries it into dist without copying files; mloop runs it with `python -c`.
// Kept free of backticks and dollar-brace so it reads as plain Python inside String.raw.
export const conversionScript = String.raw`
# mloop's ONNX conversion of MLflow scikit-learn, XGBoost and LightGBM models (run by mloop).
# Commands:
#   convert MODEL_DIR OUT_DIR [--sample rows.csv] [--target-opset N]
#       writes OUT_DIR/model.onnx when the graph answers as the model does on the sample
#   import MODEL_FILE OUT_DIR --sample rows.csv
#       writes an MLflow scikit-learn model directory for a joblib or pickle file
# The last line on stdout is one JSON object: {"ok": true, ...} or {"ok": false, "reason": ...}.
import importlib.util
import json
import os
import sys

RESULT = sys.stdout
sys.stdout = sys.stderr  # libraries' prints must not mix with the result line

FLAVORS = ("sklearn", "xgboost", "lightgbm")
LABEL_TOLERANCE = 0.0
PROBABILITY_TOLERANCE = 1e-5
VALUE_TOLERANCE = 1e-5
DEFAULT_OPSET = 17
ML_OPSET = 3


class Refused(Exception):
    """The model cannot be converted or imported; the message says why, for the user."""


def answer(result):
    RESULT.write(json.dumps(result) + "\n")
    RESULT.flush()


def need(packages):
    """Fails naming every missing package and how to install it."""
    missing = [pip for module, pip in packages if importlib.util.find_spec(module) is None]
    if missing:
        names = " ".join(missing)
        raise Refused(
            f"the Python at {sys.executable} lacks {', '.join(missing)}: install with "
            f"'{sys.executable} -m pip install {names}', or set MLOOP_PYTHON to a Python that has them"
        )


def version_of(module):
    try:
        return importlib.import_module(module).__version__
    except Exception:
        return None


def read_mlmodel(model_dir):
    import yaml

    path = os.path.join(model_dir, "MLmodel")
    if not os.path.exists(path):
        raise Refused("the directory has no MLmodel file")
    with open(path) as f:
        return yaml.safe_load(f) or {}


def signature_columns(mlmodel):
    """[(name, mlflow type)] of a column signature; None without one (or with tensors)."""
    raw = ((mlmodel.get("signature") or {}).get("inputs")) or ""
    if not raw:
        return None
    specs = json.loads(raw)
    if any(s.get("type") == "tensor" for s in specs):
        return None
    return [(s["name"], s["type"]) for s in specs if "name" in s]


def load_model(model_dir, flavor):
    if flavor == "sklearn":
        import mlflow.sklearn

        return mlflow.sklearn.load_model(model_dir)
    if flavor == "xgboost":
        import mlflow.xgboost

        return mlflow.xgboost.load_model(model_dir)
    import mlflow.lightgbm

    return mlflow.lightgbm.load_model(model_dir)


def read_sample(model_dir, mlmodel, sample_path):
    import pandas as pd

    if sample_path:
        return pd.read_csv(sample_path), "rows given"
    info = mlmodel.get("saved_input_example_info") or {}
    path = os.path.join(model_dir, info.get("artifact_path") or "input_example.json")
    if not os.path.exists(path):
        raise Refused(
            "nothing to check the conversion on: the model was logged without an input example; "
            "retry with 'mloop models convert NAME/VERSION --sample rows.csv'"
        )
    with open(path) as f:
        example = json.load(f)
    if isinstance(example, dict) and "dataframe_split" in example:
        example = example["dataframe_split"]
    if isinstance(example, dict) and "columns" in example and "data" in example:
        return pd.DataFrame(example["data"], columns=example["columns"]), "input example"
    if isinstance(example, list):
        return pd.DataFrame.from_records(example), "input example"
    raise Refused("the input example is not a table of named columns (pandas split or records)")


# MLflow column types -> (numpy dtype of the sample, ONNX input kind, mloop feature type)
COLUMN_TYPES = {
    "double": ("float64", "float", "float32"),
    "float": ("float64", "float", "float32"),
    "long": ("int64", "int64", "int64"),
    "integer": ("int64", "int64", "int64"),
    "string": ("object", "string", "string"),
}


def describe(model):
    from sklearn.pipeline import Pipeline

    if isinstance(model, Pipeline):
        return "Pipeline(" + ", ".join(describe(step) for _, step in model.steps) + ")"
    if type(model).__name__ == "ColumnTransformer":
        inner = [describe(t) for _, t, _ in model.transformers if not isinstance(t, str)]
        return "ColumnTransformer(" + ", ".join(inner) + ")"
    return type(model).__name__


def final_estimator(model):
    from sklearn.pipeline import Pipeline

    return final_estimator(model.steps[-1][1]) if isinstance(model, Pipeline) else model


def selects_by_name(model):
    """True for a model whose first step picks columns by name (a ColumnTransformer)."""
    from sklearn.pipeline import Pipeline

    first = model.steps[0][1] if isinstance(model, Pipeline) else model
    return type(first).__name__ == "ColumnTransformer"


def register_boosting_converters():
    """Lets skl2onnx convert XGBoost and LightGBM estimators (alone or in a pipeline) with onnxmltools."""
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )

    options = {"nocl": [True, False], "zipmap": [True, False, "columns"]}
    if importlib.util.find_spec("xgboost") and importlib.util.find_spec("onnxmltools"):
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
        from xgboost import XGBClassifier, XGBRegressor

        update_registered_converter(
            XGBClassifier, "XGBoostXGBClassifier", calculate_linear_classifier_output_shapes,
            convert_xgboost, options=options,
        )
        update_registered_converter(
            XGBRegressor, "XGBoostXGBRegressor", calculate_linear_regressor_output_shapes, convert_xgboost
        )
    if importlib.util.find_spec("lightgbm") and importlib.util.find_spec("onnxmltools"):
        from lightgbm import LGBMClassifier, LGBMRegressor
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm

        update_registered_converter(
            LGBMClassifier, "LightGbmLGBMClassifier", calculate_linear_classifier_output_shapes,
            convert_lightgbm, options=options,
        )
        update_registered_converter(
            LGBMRegressor, "LightGbmLGBMRegressor", calculate_linear_regressor_output_shapes, convert_lightgbm
        )


def convert(model_dir, out_dir, sample_path, target_opset):
    need([("yaml", "pyyaml"), ("numpy", "numpy"), ("pandas", "pandas"), ("mlflow", "mlflow")])
    mlmodel = read_mlmodel(model_dir)
    flavors = mlmodel.get("flavors") or {}
    flavor = next((f for f in FLAVORS if f in flavors), None)
    if flavor is None:
        raise Refused(f"no flavor mloop converts (flavors: {', '.join(flavors) or 'none'})")
    packages = [("sklearn", "scikit-learn"), ("skl2onnx", "skl2onnx"), ("onnx", "onnx"),
                ("onnxruntime", "onnxruntime")]
    if flavor != "sklearn":
        packages += [(flavor, "xgboost-cpu" if flavor == "xgboost" else flavor), ("onnxmltools", "onnxmltools")]
    need(packages)

    import numpy as np
    from sklearn.base import is_classifier

    model = load_model(model_dir, flavor)
    estimator = final_estimator(model)
    if not hasattr(estimator, "predict") or type(estimator).__name__ in ("Booster",):
        raise Refused(f"a {type(estimator).__name__} is not a scikit-learn API estimator; log the "
                      "XGBClassifier/XGBRegressor or LGBMClassifier/LGBMRegressor instead")
    classifier = is_classifier(estimator)
    columns = signature_columns(mlmodel)
    if columns is None:
        names = getattr(model, "feature_names_in_", None)
        if names is None:
            raise Refused("the model has no column signature and no feature names to name its inputs")
        columns = [(str(n), "double") for n in names]
    unknown = [f"{n} ({t})" for n, t in columns if t not in COLUMN_TYPES]
    if unknown:
        raise Refused(f"inputs of types mloop does not convert: {', '.join(unknown)}")
    sample, sample_source = read_sample(model_dir, mlmodel, sample_path)
    absent = [n for n, _ in columns if n not in sample.columns]
    if absent:
        raise Refused(f"the sample lacks the input columns {', '.join(absent)}")
    sample = sample[[n for n, _ in columns]].copy()
    for name, kind in columns:
        dtype = COLUMN_TYPES[kind][0]
        sample[name] = sample[name].astype(str if dtype == "object" else dtype).astype(dtype)
    if len(sample) == 0:
        raise Refused("the sample has no rows")

    # One ONNX input per column when the model picks columns by name or takes strings (mloop's
    # "columns" layout); else one tensor of all features, as skl2onnx converts estimators.
    by_column = selects_by_name(model) or any(COLUMN_TYPES[t][1] == "string" for _, t in columns)
    # What the model answers, before conversion touches it (XGBoost's feature names are cleared).
    if classifier:
        expected = {"labels": np.asarray(model.predict(sample)).ravel()}
        if hasattr(model, "predict_proba"):
            expected["probabilities"] = np.asarray(model.predict_proba(sample), dtype=np.float64)
    else:
        expected = {"values": np.asarray(model.predict(sample), dtype=np.float64).ravel()}
    register_boosting_converters()
    if flavor == "xgboost" and hasattr(estimator, "get_booster"):
        # onnxmltools reads features as f0, f1...: the inputs are fed by position.
        estimator.get_booster().feature_names = None
    opset = target_opset or DEFAULT_OPSET
    report = {
        "flavor": flavor,
        "estimator": describe(model),
        "converters": package_versions(flavor),
        "targetOpset": opset,
        "sampleRows": int(len(sample)),
        "sampleSource": sample_source,
    }
    # Numbers go in as float32 or float64. Preprocessing in scikit-learn runs in float64, while
    # trees compare float32 (scikit-learn, XGBoost) or float64 (LightGBM): either may be the exact
    # one, so both are tried, the likelier first, and the first that passes the check is kept.
    # A pipeline is tried first as scikit-learn computes it: preprocessing in float64, then the
    # final estimator on float32 features (trees split float32 values).
    precisions = ["double", "float"] if by_column or flavor == "lightgbm" else ["float", "double"]
    if is_pipeline(model):
        precisions.insert(0, "mixed")
    failure = None
    for precision in precisions:
        attempt = convert_and_check(model, estimator, classifier, columns, sample, expected, by_column,
                                    precision, opset)
        if attempt["problems"] is None:
            onx, metadata = attempt["onnx"], attempt["metadata"]
            report.update(attempt["report"])
            break
        failure = failure or attempt
    else:
        report.update(failure["report"])
        raise Refused(f"the ONNX graph does not answer as the {flavor} model on the sample of "
                      f"{len(sample)} rows: {'; '.join(failure['problems'])}", report)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "model.onnx"), "wb") as f:
        f.write(onx.SerializeToString())
    return {"ok": True, "report": report, "metadata": metadata}


def is_pipeline(model):
    from sklearn.pipeline import Pipeline

    return isinstance(model, Pipeline) and len(model.steps) > 1


def convert_in_two_precisions(model, estimator, initial_types, target, options):
    """The pipeline's preprocessing with float64 inputs, cast to float32 for its final estimator."""
    import onnx
    from onnx import TensorProto, compose, helper
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.pipeline import Pipeline

    prep = Pipeline(model.steps[:-1]) if len(model.steps) > 2 else model.steps[0][1]
    head = convert_sklearn(prep, initial_types=initial_types, target_opset=target)
    width = head.graph.output[0].type.tensor_type.shape.dim[1].dim_value or None
    produced = head.graph.output[0].name
    head.graph.node.append(helper.make_node("Cast", [produced], ["features32"], to=TensorProto.FLOAT))
    del head.graph.output[:]
    head.graph.output.append(helper.make_tensor_value_info("features32", TensorProto.FLOAT, [None, width]))
    tail = convert_sklearn(estimator, initial_types=[("features", FloatTensorType([None, width]))],
                           target_opset=target, options=options)
    tail = compose.add_prefix(tail, prefix="estimator_")
    # skl2onnx gives each part the lowest opsets it needs; both run under the target ones.
    for part in (head, tail):
        domains = {o.domain for o in part.opset_import} | {"", "ai.onnx.ml"}
        del part.opset_import[:]
        part.opset_import.extend(helper.make_opsetid(d, target.get(d, 1)) for d in sorted(domains))
        part.ir_version = max(head.ir_version, tail.ir_version)
    merged = compose.merge_models(head, tail, io_map=[("features32", "estimator_features")])
    onnx.checker.check_model(merged)
    return merged


def package_versions(flavor):
    names = {"skl2onnx": "skl2onnx", "onnx": "onnx", "onnxruntime": "onnxruntime", "scikit-learn": "sklearn"}
    if flavor != "sklearn":
        names.update({"onnxmltools": "onnxmltools", flavor: flavor})
    return {name: version_of(module) for name, module in names.items() if version_of(module)}


def convert_and_check(model, estimator, classifier, columns, sample, expected, by_column, precision, opset):
    """Converts with numbers as float32 or float64 and compares onnxruntime's answers to the model's."""
    import numpy as np
    import onnxruntime
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, Int64TensorType, StringTensorType

    number_type, number_dtype, feature_type = (
        (FloatTensorType, np.float32, "float32") if precision == "float" else (DoubleTensorType, np.float64, "float64")
    )
    kinds = {"float": number_type, "int64": Int64TensorType, "string": StringTensorType}
    if by_column:
        initial_types = [(n, kinds[COLUMN_TYPES[t][1]]([None, 1])) for n, t in columns]
        feeds = {}
        for name, kind in columns:
            cast = {"float": number_dtype, "int64": np.int64, "string": object}[COLUMN_TYPES[kind][1]]
            feeds[name] = sample[name].to_numpy().astype(cast).reshape(-1, 1)
    else:
        initial_types = [("input", number_type([None, len(columns)]))]
        feeds = {"input": sample.to_numpy(dtype=number_dtype)}
    options = {id(estimator): {"zipmap": False}} if classifier else None
    target = {"": opset, "ai.onnx.ml": ML_OPSET}
    try:
        if precision == "mixed":
            onx = convert_in_two_precisions(model, estimator, initial_types, target, options)
        else:
            onx = convert_sklearn(model, initial_types=initial_types, target_opset=target, options=options)
    except Exception as error:
        raise Refused(f"skl2onnx cannot convert {describe(model)}: {first_line(error)}")
    try:
        session = onnxruntime.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
        results = session.run(None, feeds)
    except Exception as error:
        if precision != "float":  # not every converter takes float64: the float32 attempt may pass
            return {"problems": [f"onnxruntime cannot run the float64 graph: {first_line(error)}"], "report": {}}
        raise Refused(f"onnxruntime cannot run the graph skl2onnx made of {describe(model)}: {first_line(error)}")
    outputs = [o.name for o in session.get_outputs()]
    problems = []
    if classifier:
        labels = np.asarray(results[0]).ravel()
        differing = sum(1 for a, b in zip(labels, expected["labels"]) if not same_label(a, b))
        difference = 0.0
        if "probabilities" in expected:
            probabilities = np.asarray(results[1], dtype=np.float64)
            difference = max_difference(probabilities, expected["probabilities"], relative=False)
        report = {"labelsDiffering": differing, "maxDifference": difference}
        if differing:
            problems.append(f"{differing} of {len(sample)} labels differ")
        if not difference <= PROBABILITY_TOLERANCE:
            problems.append(f"probabilities differ by up to {difference:.3g} (allowed {PROBABILITY_TOLERANCE:g})")
        classes = [c.item() if hasattr(c, "item") else c for c in estimator.classes_]
        metadata = {"task": "classification", "classLabels": classes, "outputs": {"label": outputs[0]}}
        if "probabilities" in expected:
            metadata["outputs"]["probabilities"] = outputs[1]
    else:
        values = np.asarray(results[0], dtype=np.float64).ravel()
        difference = max_difference(values, expected["values"], relative=True)
        report = {"maxDifference": difference}
        if not difference <= VALUE_TOLERANCE:
            problems.append(f"values differ by up to {difference:.3g} relative (allowed {VALUE_TOLERANCE:g})")
        metadata = {"task": "regression", "outputs": {"label": outputs[0]}}
    metadata["inputs"] = [
        {"name": n, "type": feature_type if COLUMN_TYPES[t][1] == "float" or not by_column else COLUMN_TYPES[t][2]}
        for n, t in columns
    ]
    metadata["layout"] = {"kind": "columns"} if by_column else {
        "kind": "tensor", "inputName": "input", "tensorType": feature_type}
    return {"problems": problems or None, "report": report, "onnx": onx, "metadata": metadata}


def first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def same_label(a, b):
    if isinstance(a, bytes):
        a = a.decode()
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def max_difference(actual, expected, relative):
    """Largest difference; relative ones are |a - b| / max(|b|, 1), so values near 0 compare absolutely."""
    import numpy as np

    if actual.shape != expected.shape:
        return float("inf")
    both_nan = np.isnan(actual) & np.isnan(expected)
    difference = np.abs(actual - expected)
    if relative:
        difference = difference / np.maximum(np.abs(expected), 1.0)
    difference = np.where(both_nan, 0.0, difference)
    if np.isnan(difference).any():
        return float("inf")
    return float(difference.max()) if difference.size else 0.0


def import_model(model_file, out_dir, sample_path, flavor):
    if flavor != "sklearn":
        raise Refused(f"mloop imports scikit-learn models (--flavor sklearn), not {flavor}")
    need([("sklearn", "scikit-learn"), ("joblib", "joblib"), ("pandas", "pandas"), ("mlflow", "mlflow")])
    import joblib
    import mlflow.sklearn
    import pandas as pd
    import sklearn
    from mlflow.models import infer_signature

    try:
        model = joblib.load(model_file)
    except Exception as error:
        raise Refused(f"{os.path.basename(model_file)} is not a joblib or pickle file Python can load: {error}")
    if not hasattr(model, "predict"):
        raise Refused(f"{os.path.basename(model_file)} holds a {type(model).__name__}, not a model with predict")
    sample = pd.read_csv(sample_path)
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        absent = [str(n) for n in names if n not in sample.columns]
        if absent:
            raise Refused(f"the sample lacks the model's input columns {', '.join(absent)}")
        sample = sample[[str(n) for n in names]]
    # The whole sample (up to 1000 rows) is the input example, so registration checks the ONNX
    # conversion on the rows the user named.
    example = sample.head(1000)
    signature = infer_signature(example, model.predict(example))
    requirements = [f"scikit-learn=={sklearn.__version__}", f"mlflow=={mlflow.__version__}"]
    mlflow.sklearn.save_model(
        model, out_dir, signature=signature, input_example=example,
        serialization_format="cloudpickle", pip_requirements=requirements,
    )
    return {"ok": True, "columns": [str(c) for c in sample.columns], "estimator": describe(model)}


def option(args, name):
    if name in args:
        i = args.index(name)
        return args[i + 1]
    return None


def main(argv):
    command, *args = argv
    try:
        if command == "convert":
            opset = option(args, "--target-opset")
            result = convert(args[0], args[1], option(args, "--sample"), int(opset) if opset else None)
        elif command == "import":
            result = import_model(args[0], args[1], option(args, "--sample"), option(args, "--flavor") or "sklearn")
        else:
            raise Refused(f"unknown command {command}")
    except Refused as refused:
        result = {"ok": False, "reason": str(refused.args[0])}
        if len(refused.args) > 1:
            result["report"] = refused.args[1]
    answer(result)


if __name__ == "__main__":
    main(sys.argv[1:])
`;
