# man/: a manual page per tool, made from the tool's own --help by
# help2roff.sh, so the page and the help are one text (tests/man.sh).
man_MANS = man/vasm.1 man/vld.1 man/vdis.1 man/vrun.1
CLEANFILES += $(man_MANS)
EXTRA_DIST += man/help2roff.sh
TESTS += tests/man.sh
EXTRA_DIST += tests/man.sh

HELP2ROFF = $(AM_V_GEN)$(MKDIR_P) man && $(SHELL) $(srcdir)/man/help2roff.sh
man/vasm.1: vasm$(EXEEXT) man/help2roff.sh
	$(HELP2ROFF) ./vasm$(EXEEXT) vasm >$@.tmp && mv $@.tmp $@
man/vld.1: vld$(EXEEXT) man/help2roff.sh
	$(HELP2ROFF) ./vld$(EXEEXT) vld >$@.tmp && mv $@.tmp $@
man/vdis.1: vdis$(EXEEXT) man/help2roff.sh
	$(HELP2ROFF) ./vdis$(EXEEXT) vdis >$@.tmp && mv $@.tmp $@
man/vrun.1: vrun$(EXEEXT) man/help2roff.sh
	$(HELP2ROFF) ./vrun$(EXEEXT) vrun >$@.tmp && mv $@.tmp $@
