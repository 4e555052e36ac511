/* SPDX-License-Identifier: MIT */
/*
 * parsedutil - compare two parsed mails field by field (the in-process
 * parse against what came back through the wire form or the sandbox).
 */
#ifndef SO_PARSEDUTIL_H
#define SO_PARSEDUTIL_H

#include "mailparse.h"

static inline void
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static inline void
assert_same(const struct parsed_mail *a, const struct parsed_mail *b)
{
	str_eq(a->err, b->err);
	str_eq(a->why, b->why);
	str_eq(a->form_err, b->form_err);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->cmd.kind, b->cmd.kind);
	assert_string_equal(a->cmd.case_nr, b->cmd.case_nr);
	assert_string_equal(a->cmd.token, b->cmd.token);
	str_eq(a->cmd.rest, b->cmd.rest);
	assert_int_equal(a->msg != NULL, b->msg != NULL);
	if (a->msg) {
		const struct mail_msg *x = a->msg, *y = b->msg;

		assert_int_equal(x->nheaders, y->nheaders);
		for (size_t i = 0; i < x->nheaders; i++) {
			str_eq(x->headers[i].name, y->headers[i].name);
			str_eq(x->headers[i].value, y->headers[i].value);
		}
		str_eq(x->from_addr, y->from_addr);
		str_eq(x->from_name, y->from_name);
		str_eq(x->reply_to_addr, y->reply_to_addr);
		str_eq(x->subject, y->subject);
		str_eq(x->message_id, y->message_id);
		str_eq(x->in_reply_to, y->in_reply_to);
		str_eq(x->references, y->references);
		str_eq(x->return_path, y->return_path);
		str_eq(x->date, y->date);
		str_eq(x->content_type, y->content_type);
		str_eq(x->text_plain, y->text_plain);
		str_eq(x->text_html, y->text_html);
		assert_int_equal(x->is_report, y->is_report);
		assert_int_equal(x->nattachments, y->nattachments);
		for (size_t i = 0; i < x->nattachments; i++) {
			str_eq(x->attachments[i].content_type,
			    y->attachments[i].content_type);
			str_eq(x->attachments[i].filename, y->attachments[i].filename);
			assert_int_equal(x->attachments[i].len, y->attachments[i].len);
			assert_memory_equal(x->attachments[i].data,
			    y->attachments[i].data, x->attachments[i].len);
		}
	}
	assert_int_equal(a->form != NULL, b->form != NULL);
	if (a->form) {
		assert_string_equal(a->form->source, b->form->source);
		for (int i = 0; i < FF_COUNT; i++)
			str_eq(a->form->field[i], b->form->field[i]);
		assert_int_equal(a->form->npositions, b->form->npositions);
		for (size_t i = 0; i < a->form->npositions; i++) {
			const struct form_position *p = &a->form->positions[i],
			    *q = &b->form->positions[i];

			str_eq(p->pos, q->pos);
			str_eq(p->artikelnr, q->artikelnr);
			str_eq(p->bezeichnung, q->bezeichnung);
			str_eq(p->menge, q->menge);
			str_eq(p->einheit, q->einheit);
			str_eq(p->preis, q->preis);
		}
	}
}

#endif
