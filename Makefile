.PHONY: all install build test demo bench lint typecheck clean

all: build

install:
	@sh scripts/install.sh

build: install
	@npm run --silent build

typecheck: install
	@npm run --silent typecheck

lint: install
	@npm run --silent lint

test: build
	@npm run --silent typecheck
	@npm run --silent lint
	@npm run --silent test

demo: build
	@sh scripts/demo.sh

bench: build
	@npm run --silent bench

clean:
	rm -rf dist bin
