using System.Text;
using CsCheck;

namespace SlotSharp.Fuzz.Mutation;

/// <summary>
/// Jinja-aware text mutations of chat templates: insert or substitute tag fragments, keywords, filters and
/// known-expensive constructs (huge ranges, string repetition, self-recursive macros, deep parentheses),
/// delete or duplicate spans. Works on UTF-16 text so multi-byte characters stay whole.
/// </summary>
public static class TemplateMutations
{
    static readonly string[] Fragments =
    [
        "{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", "{{-", "-}}", "{% endif %}", "{% endfor %}", "{% else %}",
        "{% if %}", "{% for %}", "{% set x = %}", "{% raw %}", "{% endraw %}", "{% macro m() %}", "{% endmacro %}",
        "{{ messages[0] }}", "{{ messages[-1].content }}", "{{ messages[99] }}", "{{ message['role'] }}", "{{ x.y.z }}",
        "{{ none.attr }}", "{{ 1 / 0 }}", "{{ 1 // 0 }}", "{{ 1 % 0 }}", "{{ 'a' ~ none }}", "{{ [] | first }}",
        "{{ messages | tojson(indent=2) }}", "{{ messages | length }}", "{{ 'x' | replace('', 'yy') }}",
        "{{ range(100000000) | list }}", "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        "{{ 'a' * 100000000 }}", "{{ ['a'] * 100000000 }}", "{{ 'ab' * 9999999999999999999 }}", "{{ 10 ** 100000 }}",
        "{{ 2 ** 63 }}", "{{ 9223372036854775807 + 1 }}", "{{ -9223372036854775808 // -1 }}", "{{ 1e400 }}",
        "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "{% macro f(n) %}{{ f(n) ~ f(n) }}{% endmacro %}{{ f(1) }}",
        "((((((((((((((((((((((((((((((((((((((((", "[[[[[[[[[[[[[[[[[[[[", "))))", "]]]]", "{{ x[1:2:0] }}",
        "{{ 'abc'[::-1] }}", "{{ 'abc'[10:-10] }}", "{{ messages[1:] }}", "{{ raise_exception('fuzz') }}",
        "{{ strftime_now('%Y-%m-%d %Q %') }}", "{{ namespace(a=1).b }}", "{{ loop.index }}", "{{ caller() }}",
        "{{ '%s %d' % (1,) }}", "{{ 'x'.split('') }}", "{{ '{:>99999999}'.format(1) }}", "{{ 'a'.center(2000000000) }}",
        "{{ 'a'.ljust(999999999999) }}", "{{ ' '.join(range(3)) }}", "{{ {}.items() | list }}", "{{ (1,2)[5] }}",
        "|", ".", "[", "]", "(", ")", "'", "\"", "\\", "~", "*", "**", "//", "%", " if ", " else ", " in ", " not ", " is ",
        " and ", " or ", " defined ", " none ", " is string ", "|trim", "|tojson", "|join", "|map(attribute='x')", "|selectattr('x')",
        "|dictsort", "|items", "|batch(0)", "|slice(0)", "|indent(999999999)", "|wordwrap(0)", "|truncate(-1)", "|round(-999)",
        "\u0000", "\uD800", "\r\n", "\u00e9", "😀",
    ];

    public static Gen<byte[]> Mutate(IReadOnlyList<string> seeds, int maxEdits = 6)
    {
        var edit = Gen.Frequency(
            (5, Gen.Select(Gen.UInt, Gen.Int[0, Fragments.Length - 1], (p, f) => Edit(t => Insert(t, p, Fragments[f])))),
            (2, Gen.Select(Gen.UInt, Gen.Int[1, 40], Gen.Int[0, Fragments.Length - 1], (p, n, f) => Edit(t => Insert(Delete(t, p, n), p, Fragments[f])))),
            (3, Gen.Select(Gen.UInt, Gen.Int[1, 200], (p, n) => Edit(t => Delete(t, p, n)))),
            (2, Gen.Select(Gen.UInt, Gen.UInt, Gen.Int[1, 400], (from, to, n) => Edit(t => Duplicate(t, from, to, n)))),
            (1, Gen.Select(Gen.UInt, Gen.Char, (p, c) => Edit(t => Insert(t, p, c.ToString())))));
        return Gen.Select(Gen.Int[0, seeds.Count - 1], edit.Array[1, maxEdits],
            (s, edits) => Encoding.UTF8.GetBytes(edits.Aggregate(seeds[s], (text, e) => e(text))));
    }

    static Func<string, string> Edit(Func<string, string> f) => f;

    static int At(string t, uint p) => (int)(p % (uint)(t.Length + 1));

    static string Insert(string t, uint p, string s) => t.Insert(At(t, p), s);

    static string Delete(string t, uint p, int n)
    {
        int at = At(t, p);
        return t.Remove(at, Math.Min(n, t.Length - at));
    }

    static string Duplicate(string t, uint from, uint to, int n)
    {
        int start = At(t, from);
        return Insert(t, to, t.Substring(start, Math.Min(n, t.Length - start)));
    }
}
