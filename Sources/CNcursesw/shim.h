#ifndef PATCHLAB_CNCURSESW_SHIM_H
#define PATCHLAB_CNCURSESW_SHIM_H
/* SwiftPM drops pkg-config's -D flags, so the wide-character API is switched on here. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <wchar.h>
#include <stdio.h>
#include <signal.h>
#include <unistd.h>
#include <ncursesw/curses.h>

/* Globals Swift 6 refuses to touch (shared mutable state) and expression macros it cannot import.
   Every wrapper is prefixed cn_. */
static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }
static inline int cn_colors(void) { return COLORS; }
static inline int cn_color_pairs(void) { return COLOR_PAIRS; }
static inline void cn_getmaxyx(WINDOW *w, int *y, int *x) { int yy, xx; getmaxyx(w, yy, xx); *y = yy; *x = xx; }
static inline attr_t cn_a_normal(void) { return A_NORMAL; }
static inline attr_t cn_a_bold(void) { return A_BOLD; }
static inline attr_t cn_a_reverse(void) { return A_REVERSE; }
static inline attr_t cn_a_dim(void) { return A_DIM; }
static inline attr_t cn_a_underline(void) { return A_UNDERLINE; }
static inline attr_t cn_color_pair(int n) { return (attr_t)COLOR_PAIR(n); }
static inline int cn_key_resize(void) { return KEY_RESIZE; }
static inline int cn_key_mouse(void) { return KEY_MOUSE; }
static inline int cn_key_f(int n) { return KEY_F(n); }
static inline mmask_t cn_wheel_mask(void) {
#ifdef BUTTON5_PRESSED
    return BUTTON4_PRESSED | BUTTON5_PRESSED;
#else
    return BUTTON4_PRESSED;
#endif
}
static inline int cn_is_wheel_up(mmask_t m) { return (m & BUTTON4_PRESSED) != 0; }
static inline int cn_is_wheel_down(mmask_t m) {
#ifdef BUTTON5_PRESSED
    return (m & BUTTON5_PRESSED) != 0;
#else
    (void)m; return 0;
#endif
}
/* Wide-string output at a position, and reading one wide character of input. */
static inline int cn_mvwaddnwstr(WINDOW *w, int y, int x, const wchar_t *s, int n) { return mvwaddnwstr(w, y, x, s, n); }
static inline int cn_wget_wch(WINDOW *w, wint_t *ch) { return wget_wch(w, ch); }
static inline int cn_mvwinnwstr(WINDOW *w, int y, int x, wchar_t *s, int n) { return mvwinnwstr(w, y, x, s, n); }
static inline int cn_wattrset(WINDOW *w, attr_t a) { return wattrset(w, (int)a); }
static inline FILE *cn_fopen(const char *path, const char *mode) { return fopen(path, mode); }
static inline int cn_ok(void) { return OK; }
static inline int cn_err(void) { return ERR; }
#endif
