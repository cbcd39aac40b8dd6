#!/usr/bin/env node
// The installed entry point: a committed file (so package managers can link it
// before the first build) that runs the built command.
import '../dist/bin.js'
