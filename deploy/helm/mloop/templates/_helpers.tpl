{{/* The release's name for its objects, at most 63 characters as Kubernetes names must be. */}}
{{- define "mloop.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "mloop.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector of one component (server or worker): include with (list . "server"). */}}
{{- define "mloop.selector" -}}
app.kubernetes.io/name: {{ (index . 0).Chart.Name }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "mloop.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "mloop.secretName" -}}
{{ .Values.existingSecret | default (include "mloop.fullname" .) }}
{{- end -}}

{{/* Settings every mloop container reads: the ConfigMap, then the Secret. */}}
{{- define "mloop.envFrom" -}}
- configMapRef:
    name: {{ include "mloop.fullname" . }}
- secretRef:
    name: {{ include "mloop.secretName" . }}
{{- end -}}

{{/* Replicas share only the database and the artifact store: refuse settings that would split them. */}}
{{- define "mloop.validate" -}}
{{- if and (gt (int .Values.server.replicas) 1) (not .Values.database.url) (not .Values.existingSecret) -}}
{{- fail "server.replicas > 1 needs database.url (PostgreSQL): SQLite on one pod's volume cannot be shared" -}}
{{- end -}}
{{- if and (gt (int .Values.server.replicas) 1) (not .Values.artifacts.root) -}}
{{- fail "server.replicas > 1 needs artifacts.root (s3://bucket/prefix): one pod's volume cannot be shared" -}}
{{- end -}}
{{- end -}}

{{- define "mloop.ingressHosts" -}}
{{- $hosts := list -}}
{{- range .Values.ingress.hosts -}}
{{- $hosts = append $hosts .host -}}
{{- end -}}
{{- join "," $hosts -}}
{{- end -}}
