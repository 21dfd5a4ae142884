package main

import (
	"os"
	"testing"

	"contain/testkit"
)

// TestMain removes what the test kit made for the whole run (the built engine, the
// wrapper) once every test is done.
func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// TestScripts runs the transcripts in testdata/script: the "Try it" sessions of the lesson
// (try-*.txtar, shown verbatim in docs/) and other command-line checks. Each script gets a
// sandbox; `contain` in a script is the engine under test, run inside that sandbox.
func TestScripts(t *testing.T) { testkit.RunScripts(t, "testdata/script") }
