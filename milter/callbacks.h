/*
 * NAME
 *	callbacks - the milter callbacks: translate MTA events into session
 *	calls, and verdicts back into milter actions
 * SYNOPSIS
 *	#include "callbacks.h"
 *
 *	extern struct smfiDesc callbacks_desc;
 *	int callbacks_in_flight(void);
 *
 *	struct config *current_config(void);	(provided by authmilter.c)
 * DESCRIPTION
 *	callbacks_desc is handed to smfi_register().  Each connection gets
 *	a session on the configuration current_config() returns when the
 *	MTA connects.  callbacks_in_flight() counts the messages between
 *	MAIL FROM and their end, so that a stopping daemon can let them
 *	finish.
 */
#ifndef AUTHMILTER_CALLBACKS_H
#define AUTHMILTER_CALLBACKS_H

#include <libmilter/mfapi.h>

#include "config.h"

extern struct smfiDesc callbacks_desc;

int		 callbacks_in_flight(void);
struct config	*current_config(void);

#endif
