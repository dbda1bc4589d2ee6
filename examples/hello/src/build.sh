#!/bin/sh
echo "$1, world"
