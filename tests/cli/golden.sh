#!/usr/bin/env bash
echo "golden: placeholder"; exit 0
