#!/bin/sh
# Container entrypoint: trust the CA certificates mounted in $CERTS_DIR (default /certs) for
# every outgoing TLS connection (LiteLLM, SMTP, approval endpoints), then exec the command.
#
# The container runs as non-root on a read-only root filesystem, so the system store
# (/usr/local/share/ca-certificates + update-ca-certificates) cannot be changed. Instead two
# bundles are written to a writable directory ($TMPDIR, else /tmp: an emptyDir in Kubernetes):
#   extra-ca-certificates.pem  the mounted certificates only -> NODE_EXTRA_CA_CERTS (Node adds
#                              them to its built-in roots for all TLS, including fetch)
#   ca-certificates.pem        system bundle + mounted certificates -> SSL_CERT_FILE (OpenSSL-
#                              based tools)
# Only *.crt and *.pem files are read, and only their CERTIFICATE blocks are copied, so a
# private key mounted by mistake never lands in the bundles. No certs dir, or no certificate
# in it: nothing is exported and the command starts as usual.
set -eu

log() {
  printf 'entrypoint: %s\n' "$*" >&2
}

# Prints the PEM certificate blocks of a file (CRLF normalised, every line newline-terminated,
# so files without a final newline concatenate safely).
certificate_blocks() {
  awk '
    { sub(/\r$/, "") }
    /^-----BEGIN CERTIFICATE-----$/ { inside = 1 }
    inside { print }
    /^-----END CERTIFICATE-----$/ { inside = 0 }
  ' "$1"
}

certs_dir="${CERTS_DIR:-/certs}"

if [ -d "$certs_dir" ]; then
  bundle_dir="${TMPDIR:-/tmp}/llm-key-requestor-ca"
  if ! mkdir -p "$bundle_dir" 2>/dev/null; then
    # Starting without the certificates would only surface later as puzzling TLS errors.
    log "cannot create $bundle_dir for the CA bundle: mount a writable /tmp (emptyDir) or set TMPDIR"
    exit 1
  fi
  extra_bundle="$bundle_dir/extra-ca-certificates.pem"
  : >"$extra_bundle"
  added=0
  # Globs expand sorted; an unmatched glob stays literal and fails the -f test.
  for file in "$certs_dir"/*.crt "$certs_dir"/*.pem; do
    if [ ! -f "$file" ]; then
      continue
    fi
    blocks=$(certificate_blocks "$file")
    if [ -z "$blocks" ]; then
      log "skipping ${file##*/}: no PEM certificate in it (DER? convert with: openssl x509 -inform der)"
      continue
    fi
    printf '%s\n' "$blocks" >>"$extra_bundle"
    log "trusting CA certificates from ${file##*/}"
    added=$((added + 1))
  done

  if [ "$added" -gt 0 ]; then
    system_bundle="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
    full_bundle="$bundle_dir/ca-certificates.pem"
    # Written aside, then moved: SSL_CERT_FILE may already name this very file.
    {
      if [ -f "$system_bundle" ]; then
        cat "$system_bundle"
        echo
      fi
      cat "$extra_bundle"
    } >"$full_bundle.tmp"
    mv "$full_bundle.tmp" "$full_bundle"
    NODE_EXTRA_CA_CERTS="$extra_bundle"
    SSL_CERT_FILE="$full_bundle"
    export NODE_EXTRA_CA_CERTS SSL_CERT_FILE
    log "$added certificate file(s) from $certs_dir added to NODE_EXTRA_CA_CERTS and SSL_CERT_FILE"
  else
    log "no *.crt or *.pem certificate in $certs_dir; using the system CAs only"
  fi
fi

if [ "$#" -eq 0 ]; then
  set -- bin/server.sh
fi
exec "$@"
