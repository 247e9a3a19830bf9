/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * X keysyms (what RFB KeyEvent carries) to Linux input key codes
 * (what vkbd's XENKBD_TYPE_KEY carries), for a US layout: a client
 * sends Shift separately, so a shifted symbol maps to the key that
 * produces it ('!' is KEY_1, 'A' is KEY_A).  Two tables: printable
 * ASCII by character, and the 0xffxx function keys sorted for a binary
 * search.  Numbers are from linux/input-event-codes.h and X11's
 * keysymdef.h.  Pure lookup; any 32-bit value is accepted.
 */
#include <stddef.h>
#include <stdint.h>

#include "vnc.h"

/* clang-format off */
static const uint8_t ascii_keys[128] = {
    [' '] = 57,
    ['a'] = 30, ['b'] = 48, ['c'] = 46, ['d'] = 32, ['e'] = 18, ['f'] = 33,
    ['g'] = 34, ['h'] = 35, ['i'] = 23, ['j'] = 36, ['k'] = 37, ['l'] = 38,
    ['m'] = 50, ['n'] = 49, ['o'] = 24, ['p'] = 25, ['q'] = 16, ['r'] = 19,
    ['s'] = 31, ['t'] = 20, ['u'] = 22, ['v'] = 47, ['w'] = 17, ['x'] = 45,
    ['y'] = 21, ['z'] = 44,
    ['A'] = 30, ['B'] = 48, ['C'] = 46, ['D'] = 32, ['E'] = 18, ['F'] = 33,
    ['G'] = 34, ['H'] = 35, ['I'] = 23, ['J'] = 36, ['K'] = 37, ['L'] = 38,
    ['M'] = 50, ['N'] = 49, ['O'] = 24, ['P'] = 25, ['Q'] = 16, ['R'] = 19,
    ['S'] = 31, ['T'] = 20, ['U'] = 22, ['V'] = 47, ['W'] = 17, ['X'] = 45,
    ['Y'] = 21, ['Z'] = 44,
    ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
    ['7'] = 8, ['8'] = 9, ['9'] = 10, ['0'] = 11,
    ['!'] = 2, ['@'] = 3, ['#'] = 4, ['$'] = 5, ['%'] = 6, ['^'] = 7,
    ['&'] = 8, ['*'] = 9, ['('] = 10, [')'] = 11,
    ['-'] = 12, ['_'] = 12, ['='] = 13, ['+'] = 13,
    ['['] = 26, ['{'] = 26, [']'] = 27, ['}'] = 27,
    [';'] = 39, [':'] = 39, ['\''] = 40, ['"'] = 40,
    ['`'] = 41, ['~'] = 41, ['\\'] = 43, ['|'] = 43,
    [','] = 51, ['<'] = 51, ['.'] = 52, ['>'] = 52, ['/'] = 53, ['?'] = 53,
};
/* clang-format on */

struct keymap {
    uint16_t keysym;
    uint16_t code;
};

/* Sorted by keysym. */
static const struct keymap fn_keys[] = {
    {0xfe20, 15},  /* ISO_Left_Tab -> KEY_TAB */
    {0xff08, 14},  /* BackSpace */
    {0xff09, 15},  /* Tab */
    {0xff0d, 28},  /* Return -> KEY_ENTER */
    {0xff13, 119}, /* Pause */
    {0xff14, 70},  /* Scroll_Lock */
    {0xff15, 99},  /* Sys_Req -> KEY_SYSRQ */
    {0xff1b, 1},   /* Escape -> KEY_ESC */
    {0xff50, 102}, /* Home */
    {0xff51, 105}, /* Left */
    {0xff52, 103}, /* Up */
    {0xff53, 106}, /* Right */
    {0xff54, 108}, /* Down */
    {0xff55, 104}, /* Prior -> KEY_PAGEUP */
    {0xff56, 109}, /* Next -> KEY_PAGEDOWN */
    {0xff57, 107}, /* End */
    {0xff61, 99},  /* Print -> KEY_SYSRQ */
    {0xff63, 110}, /* Insert */
    {0xff67, 127}, /* Menu -> KEY_COMPOSE */
    {0xff7f, 69},  /* Num_Lock */
    {0xff8d, 96},  /* KP_Enter */
    {0xff95, 71},  /* KP_Home -> KEY_KP7 */
    {0xff96, 75},  /* KP_Left -> KEY_KP4 */
    {0xff97, 72},  /* KP_Up -> KEY_KP8 */
    {0xff98, 77},  /* KP_Right -> KEY_KP6 */
    {0xff99, 80},  /* KP_Down -> KEY_KP2 */
    {0xff9a, 73},  /* KP_Prior -> KEY_KP9 */
    {0xff9b, 81},  /* KP_Next -> KEY_KP3 */
    {0xff9c, 79},  /* KP_End -> KEY_KP1 */
    {0xff9d, 76},  /* KP_Begin -> KEY_KP5 */
    {0xff9e, 82},  /* KP_Insert -> KEY_KP0 */
    {0xff9f, 83},  /* KP_Delete -> KEY_KPDOT */
    {0xffaa, 55},  /* KP_Multiply -> KEY_KPASTERISK */
    {0xffab, 78},  /* KP_Add -> KEY_KPPLUS */
    {0xffad, 74},  /* KP_Subtract -> KEY_KPMINUS */
    {0xffae, 83},  /* KP_Decimal -> KEY_KPDOT */
    {0xffaf, 98},  /* KP_Divide -> KEY_KPSLASH */
    {0xffb0, 82},  /* KP_0 */
    {0xffb1, 79},  /* KP_1 */
    {0xffb2, 80},  /* KP_2 */
    {0xffb3, 81},  /* KP_3 */
    {0xffb4, 75},  /* KP_4 */
    {0xffb5, 76},  /* KP_5 */
    {0xffb6, 77},  /* KP_6 */
    {0xffb7, 71},  /* KP_7 */
    {0xffb8, 72},  /* KP_8 */
    {0xffb9, 73},  /* KP_9 */
    {0xffbe, 59},  /* F1 */
    {0xffbf, 60},  /* F2 */
    {0xffc0, 61},  /* F3 */
    {0xffc1, 62},  /* F4 */
    {0xffc2, 63},  /* F5 */
    {0xffc3, 64},  /* F6 */
    {0xffc4, 65},  /* F7 */
    {0xffc5, 66},  /* F8 */
    {0xffc6, 67},  /* F9 */
    {0xffc7, 68},  /* F10 */
    {0xffc8, 87},  /* F11 */
    {0xffc9, 88},  /* F12 */
    {0xffe1, 42},  /* Shift_L -> KEY_LEFTSHIFT */
    {0xffe2, 54},  /* Shift_R -> KEY_RIGHTSHIFT */
    {0xffe3, 29},  /* Control_L -> KEY_LEFTCTRL */
    {0xffe4, 97},  /* Control_R -> KEY_RIGHTCTRL */
    {0xffe5, 58},  /* Caps_Lock */
    {0xffe7, 125}, /* Meta_L -> KEY_LEFTMETA */
    {0xffe8, 126}, /* Meta_R -> KEY_RIGHTMETA */
    {0xffe9, 56},  /* Alt_L -> KEY_LEFTALT */
    {0xffea, 100}, /* Alt_R -> KEY_RIGHTALT */
    {0xffeb, 125}, /* Super_L -> KEY_LEFTMETA */
    {0xffec, 126}, /* Super_R -> KEY_RIGHTMETA */
    {0xffff, 111}, /* Delete */
};

uint32_t vnc_keysym_to_linux(uint32_t keysym)
{
    size_t lo = 0, hi = sizeof(fn_keys) / sizeof(fn_keys[0]);

    if (keysym < 128) {
        return ascii_keys[keysym];
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (fn_keys[mid].keysym == keysym) {
            return fn_keys[mid].code;
        }
        if (fn_keys[mid].keysym < keysym) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return 0;
}
