#!/usr/bin/env bash
# Prépare la machine pour convgen : paquets système (LibreOffice, polices, poppler) puis environnement Python.
# Usage : scripts/setup.sh system        — vérifie (et installe, si root sur Debian/Ubuntu) les paquets système
#         scripts/setup.sh system-tests  — les mêmes, et Chromium, dont seuls les tests ont besoin
#         scripts/setup.sh venv          — crée .venv et y installe convgen avec ses dépendances
#         scripts/setup.sh packages      — affiche la liste des paquets système (tests compris)
set -euo pipefail
cd "$(dirname "$0")/.."

# Les paquets Debian/Ubuntu nécessaires : cette liste est la seule (le Makefile et la CI appellent ce script).
# LibreOffice Writer et son pont UNO (conversion PDF), polices métriquement compatibles avec Word,
# poppler-utils (pdftotext, pdffonts : vérifications ; pdftoppm : pages comparées par convgen review), qpdf, python3-venv,
# hyphen-fr (motifs de césure français : LibreOffice coupe les mots au lieu d'étirer les lignes justifiées).
PACKAGES="libreoffice-writer-nogui python3-uno fonts-liberation2 fonts-crosextra-carlito poppler-utils qpdf python3-venv hyphen-fr"
# Pour les tests seulement : chromium (ils ouvrent le tableau de bord build/index.html dans un vrai navigateur).
TEST_PACKAGES="chromium"
TESTS=0
PYTHON=${PYTHON:-python3}

# Vrai quand la famille de polices « $1 » est installée. Sans tube : sous pipefail, « fc-list | grep -q »
# échoue au hasard (grep -q s'arrête au premier résultat, fc-list meurt alors de SIGPIPE).
has_font() {
  local found
  found=$(fc-list ":family=$1" family 2>/dev/null) || return 1
  [ -n "$found" ]
}

missing_system() {
  local missing=()
  command -v soffice >/dev/null 2>&1 || missing+=("LibreOffice Writer (soffice)")
  /usr/bin/python3 -c 'import uno' >/dev/null 2>&1 || missing+=("python3-uno (pont UNO de LibreOffice)")
  command -v pdftotext >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 || missing+=("poppler-utils (pdftotext, pdffonts)")
  [ "$TESTS" = 0 ] || command -v chromium >/dev/null 2>&1 || missing+=("Chromium (chromium : tests du tableau de bord)")
  has_font 'Liberation Sans' || missing+=("police Liberation Sans (fonts-liberation2)")
  has_font 'Carlito' || missing+=("police Carlito (fonts-crosextra-carlito)")
  [ -f /usr/share/hyphen/hyph_fr.dic ] || missing+=("motifs de césure français (hyphen-fr)")
  "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=("module venv de Python (python3-venv)")
  printf '%s\n' "${missing[@]}"
}

system() {
  local missing packages=$PACKAGES
  [ "$TESTS" = 0 ] || packages="$PACKAGES $TEST_PACKAGES"
  missing=$(missing_system)
  [ -z "$missing" ] && return 0
  echo "convgen : composants système manquants :"
  printf '%s\n' "$missing" | sed 's/^/  - /'
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installation par apt-get : $packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $packages >/dev/null
    missing=$(missing_system)
    if [ -n "$missing" ]; then
      echo "convgen : l'installation n'a pas fourni :" >&2
      printf '%s\n' "$missing" | sed 's/^/  - /' >&2
      exit 1
    fi
    echo "Composants système installés."
  else
    cat >&2 <<MSG
convgen ne peut pas les installer lui-même (il faut être root sur Debian ou Ubuntu).
Demandez à l'administrateur de la machine d'exécuter :
  sudo apt-get install --no-install-recommends $packages
puis relancez la commande.
MSG
    exit 1
  fi
}

venv() {
  if [ ! -x .venv/bin/python ]; then
    echo "Création de l'environnement Python .venv"
    "$PYTHON" -m venv .venv
  fi
  echo "Installation de convgen et de ses dépendances dans .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
}

case "${1:-}" in
  system) system ;;
  system-tests) TESTS=1 system ;;
  venv) venv ;;
  packages) echo "$PACKAGES $TEST_PACKAGES" ;;
  *) echo "usage : scripts/setup.sh system|system-tests|venv|packages" >&2; exit 2 ;;
esac
