{{- define "platform.app" -}}{{ .root.Values.cluster }}-{{ .app.name }}{{- end -}}
