#!/usr/bin/env bash
# Docs consistency check: the code is the truth, the docs must name it.
#
#   scripts/check-docs.sh [ROOT]      (ROOT defaults to the repository)
#
# - every setting of the config table (src/config/config.c) has a row in the
#   README configuration table with its default, its numeric range and its
#   choices; a row for a variable the code does not have is stale;
#   test-only settings (AI_TEST_*) need only be mentioned somewhere in docs/;
# - every error code of src/base/error.h is in docs/api.md's error table with
#   its HTTP status, and the table has no code the code lacks;
# - every command of the command table (src/main.c) is in the README's command
#   list, and the list has no command the binary lacks;
# - every .PHONY target of the Makefile, and every rule with a plain lowercase
#   name, carries `## help text` on its rule line (what `make help` prints).
# Prints one line per problem and exits 1, or one "ok" line and exits 0.
# Run by .ci/run and by `make test` (target check-docs).
set -euo pipefail
root=${1:-"$(dirname "$0")/.."}
cd "$root"
for f in src/config/config.c src/base/error.h src/main.c README.md docs/api.md Makefile; do
  [ -f "$f" ] || { echo "check-docs: $root/$f not found" >&2; exit 2; }
done
exec perl -e '
use strict; use warnings; use utf8;
sub slurp { my ($f) = @_; open(my $h, "<:encoding(UTF-8)", $f) or die "check-docs: $f: $!\n"; local $/; my $s = <$h>; close $h; return $s; }
# the lines of section "## title" of a markdown file (up to the next "## ")
sub section { my ($text, $title) = @_;
  return $text =~ /^## \Q$title\E[^\n]*\n(.*?)(?=^## |\z)/ms ? $1 : ""; }
sub num { my ($x) = @_; $x =~ s/\s+//g; return 0 + $x; }
binmode STDOUT, ":encoding(UTF-8)";
my @bad;

# ---- settings
my $cfg = slurp("src/config/config.c");
my @settings;
# the rows of the settings[] table: MACRO(field, "NAME", "default", ...), whatever the macro
my ($table) = $cfg =~ /\bsettings\s*\[\s*\]\s*=\s*\{(.*?)\n\};/s;
$table //= "";
while ($table =~ /\b([A-Z][A-Z0-9_]*)\(\s*\w+\s*,\s*"([A-Z][A-Z0-9_]*)"\s*,\s*"([^"]*)"\s*,\s*([^,]*?)\s*,\s*([^,]*?)\s*,/g) {
  my ($type, $name, $def, $a, $b) = ($1, $2, $3, $4, $5);
  my %s = (type => $type, name => $name, def => $def);
  if ($type eq "INT" || $type eq "DBL") { $s{lo} = num($a); $s{hi} = num($b); }
  if ($type eq "ENUM") { ($s{choices}) = $a =~ /^"([^"]*)"$/; }
  push @settings, \%s;
}
push @bad, "src/config/config.c: no settings found (table format changed?)" unless @settings;
my $readme = slurp("README.md");
my %row;
for my $line (split /\n/, section($readme, "Configuration")) {
  next unless $line =~ /^\|\s*([A-Z][A-Z0-9_]*)\s*\|/;
  my @cells = map { s/^\s+|\s+$//gr } split /\|/, $line, -1;
  $row{$1} = { default => $cells[2] // "", allowed => $cells[3] // "" };
}
my $alldocs = join "\n", $readme, map { slurp($_) } glob("docs/*.md");
my %known;
for my $s (@settings) {
  my $n = $s->{name};
  $known{$n} = 1;
  if ($n =~ /^AI_TEST_/) {
    push @bad, "docs: test-only setting $n is not mentioned in README.md or docs/*.md"
      unless $alldocs =~ /\b\Q$n\E\b/;
    next;
  }
  my $r = $row{$n};
  if (!$r) { push @bad, "README.md: setting $n is missing from the configuration table"; next; }
  if ($s->{def} ne "" && index($r->{default}, "`$s->{def}`") < 0) {
    push @bad, "README.md: setting $n: default should be `$s->{def}` (table says \"$r->{default}\")";
  }
  if (defined $s->{lo}) {
    my $want = "$s->{lo}–$s->{hi}";
    push @bad, "README.md: setting $n: allowed should be $want (table says \"$r->{allowed}\")"
      unless index($r->{allowed}, $want) >= 0;
  }
  if (defined $s->{choices}) {
    for my $c (split /\|/, $s->{choices}) {
      push @bad, "README.md: setting $n: choice `$c` missing from the allowed column"
        unless index($r->{allowed}, "`$c`") >= 0;
    }
  }
}
for my $n (sort keys %row) {
  push @bad, "README.md: configuration table lists $n, which src/config/config.c does not have"
    unless $known{$n};
}

# ---- error codes
my $errh = slurp("src/base/error.h");
my @codes;
while ($errh =~ /^\s*X\(\s*([A-Z][A-Z0-9_]*)\s*,\s*(\d+)\s*,/mg) { push @codes, [$1, $2]; }
push @bad, "src/base/error.h: no error codes found (table format changed?)" unless @codes;
my $api = slurp("docs/api.md");
my %doc_status;
for my $line (split /\n/, section($api, "Errors")) {
  $doc_status{$1} = $2 if $line =~ /^\|\s*([A-Z][A-Z0-9_]*)\s*\|\s*(\d+)\s*\|/;
}
my %code_known;
for my $c (@codes) {
  my ($name, $status) = @$c;
  $code_known{$name} = 1;
  if (!exists $doc_status{$name}) {
    push @bad, "docs/api.md: error code $name ($status) is missing from the error table";
  } elsif ($doc_status{$name} ne $status) {
    push @bad, "docs/api.md: error code $name: HTTP $status in src/base/error.h, $doc_status{$name} in the table";
  }
}
for my $n (sort keys %doc_status) {
  push @bad, "docs/api.md: error table lists $n, which src/base/error.h does not have"
    unless $code_known{$n};
}

# ---- commands
my $main = slurp("src/main.c");
my @cmds;
while ($main =~ /\{\s*"([a-z][a-z0-9-]*)"\s*,\s*(?:cli_\w+|NULL)\s*,/g) { push @cmds, $1; }
push @bad, "src/main.c: no commands found (table format changed?)" unless @cmds;
my $cli = section($readme, "Command line");
my %listed;
$listed{$1} = 1 while $cli =~ /^\s+audio-ident ([a-z][a-z0-9-]*)/mg;
my %cmd_known = map { $_ => 1 } @cmds;
for my $c (@cmds) {
  push @bad, "README.md: command $c is missing from the command list" unless $listed{$c};
}
for my $c (sort keys %listed) {
  push @bad, "README.md: command list shows $c, which src/main.c does not have"
    unless $cmd_known{$c} || $c eq "help";
}

# ---- make targets
my $mk = slurp("Makefile");
$mk =~ s/\\\n/ /g;
my %phony; # .PHONY targets and every rule named like a command (lowercase, no variables)
while ($mk =~ /^\.PHONY\s*:(.*)$/mg) { $phony{$_} = 1 for split " ", $1; }
while ($mk =~ /^([a-z][a-z0-9_.-]*)\s*:(?![=:])/mg) { $phony{$1} = 1; }
push @bad, "Makefile: no .PHONY targets found" unless %phony;
for my $t (sort keys %phony) {
  push @bad, "Makefile: target $t has no \"## help text\" on its rule line"
    unless $mk =~ /^\Q$t\E\s*:(?!=)[^\n]*##\s+\S/m;
}

if (@bad) {
  print "$_\n" for @bad;
  printf STDERR "check-docs: %d problem%s (the code is the truth; fix the docs)\n", scalar @bad, @bad == 1 ? "" : "s";
  exit 1;
}
printf "check-docs: ok (%d settings, %d error codes, %d commands, %d make targets)\n",
  scalar @settings, scalar @codes, scalar @cmds, scalar keys %phony;
'
