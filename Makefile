# convgen — conventions « conseiller numérique » du Département de la Sarthe.
# `make` seul affiche l'aide. Chaque cible prépare elle-même ce dont elle a besoin.
.DEFAULT_GOAL := help
SHELL := /bin/bash

# Les paquets système (Debian/Ubuntu), installés par apt-get quand ils manquent et que l'on est root,
# sont listés une seule fois, dans scripts/setup.sh.

VENV := .venv
STAMP := $(VENV)/.installe
CONVGEN := $(VENV)/bin/convgen
JOBS ?=

.PHONY: help system system-tests conventions avenants renouveler check verifier archiver test test-fast lint golden bench stress clean all

help: ## Affiche cette aide
	@echo "convgen — cibles disponibles :"
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

system: ## Vérifie (et installe si besoin, en root) LibreOffice, les polices et poppler
	@scripts/setup.sh system

system-tests: ## Les mêmes paquets système, et Chromium pour les tests du tableau de bord
	@scripts/setup.sh system-tests

$(STAMP): pyproject.toml scripts/setup.sh
	@scripts/setup.sh venv
	@touch $@

conventions: system $(STAMP) ## Produit les conventions (DOCX + PDF) des 15 intercommunalités dans build/
	@$(CONVGEN) build $(if $(JOBS),--jobs $(JOBS))

avenants: system $(STAMP) ## Rédige les projets d'avenants des conventions signées dont les données ont changé
	@$(CONVGEN) amend

renouveler: $(STAMP) ## Clôt la période en cours et ouvre la suivante : make renouveler DEBUT=2026-12-01 FIN=2029-11-30
	@$(CONVGEN) renouveler --debut "$(DEBUT)" --fin "$(FIN)"

check: system $(STAMP) ## Vérifie les données et les modèles sans rien écrire
	@$(CONVGEN) check

verifier: $(STAMP) ## Revérifie hors ligne chaque acte des registres (fichiers, empreintes, signatures)
	@$(CONVGEN) verifier

archiver: $(STAMP) ## Paquets de versement SEDA 2.3 des actes signés dans VERS=DOSSIER (revérifiés d'abord)
	@$(CONVGEN) archiver --vers $(or $(VERS),$(error donnez le dossier : make archiver VERS=versements))

test: system-tests $(STAMP) ## Lance toute la suite de tests (LibreOffice et Chromium réels compris)
	@$(VENV)/bin/pytest -q -n 2 --dist loadfile

test-fast: $(STAMP) ## Les tests sans LibreOffice, sur deux processus (pytest -m "not libreoffice")
	@$(VENV)/bin/pytest -q -m "not libreoffice" -n 2 --dist loadfile

lint: $(STAMP) ## ruff (style) et mypy strict sur convgen/ (sans paquet système)
	@$(VENV)/bin/ruff check convgen tests scripts
	@$(VENV)/bin/ruff format --check convgen tests scripts
	@$(VENV)/bin/mypy

golden: system $(STAMP) ## Régénère les textes de référence de tests/golden/ (relire le diff !)
	@CONVGEN_REGEN_GOLDEN=1 $(VENV)/bin/pytest -q tests/documents/test_render.py -k golden
	@git --no-pager diff --stat -- tests/golden

bench: system $(STAMP) ## Mesure les temps de construction (voir docs/bench.md)
	@$(VENV)/bin/python scripts/bench.py $(if $(AVANT),--avant $(AVANT))

stress: system $(STAMP) ## Épreuve du moteur : builds à froid, concurrents, tués (SIGKILL), interrompus (N=50)
	@$(VENV)/bin/python scripts/stress.py --n $(or $(N),50)

all: lint test ## Style, types et tests

clean: ## Supprime build/
	rm -rf build
