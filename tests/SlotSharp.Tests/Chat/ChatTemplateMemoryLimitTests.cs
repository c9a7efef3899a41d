using SlotSharp.Chat;

namespace SlotSharp.Tests.Chat;

/// <summary>
/// Every value the interpreter builds counts against <see cref="ChatTemplateLimits.MaxAllocatedBytes"/>, checked
/// before the allocation: each template here would allocate far more than the (small) test budget and must be
/// refused with a positioned LimitExceeded error while the render itself allocated little.
/// </summary>
public class ChatTemplateMemoryLimitTests
{
    const long Budget = 1_000_000;
    // Generous: parsing, the interpreter's own bookkeeping and the budget-sized values themselves.
    const long AllocationBound = 16 * Budget;

    static string Render(string source, ChatTemplateLimits limits) =>
        ChatTemplate.Parse(source, new ChatTemplateOptions { Limits = limits }).Render([ChatMessage.User("hi")], false);

    [SkippableTheory]
    // The acceptance-test cases: 2^40 list items; indent and tojson with a 10^9-wide indent.
    [InlineData("{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}")]
    [InlineData("{{ 'a\nb' | indent(10**9) }}")]
    [InlineData("{{ [1, 2] | tojson(indent=10**9) }}")]
    // Concatenation and repetition.
    [InlineData("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}")]
    [InlineData("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}")]
    [InlineData("{% set ns = namespace(t=(1,)) %}{% for i in range(40) %}{% set ns.t = ns.t + ns.t %}{% endfor %}")]
    [InlineData("{{ 'a' * 10000000 }}")]
    [InlineData("{{ ([0] * 100000) | length }}")]
    // Builders: join, replace, format, repr, output.
    [InlineData("{{ (['x' * 1000] * 1000) | join }}")]
    [InlineData("{{ ''.join(['x' * 1000] * 1000) }}")]
    [InlineData("{{ ('a' * 1000) | replace('a', 'b' * 1000) }}")]
    [InlineData("{{ ('a' * 1000).replace('a', 'b' * 1000) }}")]
    [InlineData("{% set x = 'x' * 100000 %}{{ '{}{}{}{}{}{}'.format(x, x, x, x, x, x) }}")]
    [InlineData("{{ (['x' * 1000] * 1000) | string | length }}")]
    [InlineData("{{ ['x' * 1000] * 1000 }}")]
    [InlineData("{% for i in range(1000) %}{{ 'x' * 1000 }}{% endfor %}")]
    [InlineData("{% set x = 'x' * 1000 %}{% for i in range(1000) %}{% set y %}{{ x }}{% endset %}{% endfor %}")]
    // Containers: range, list, slicing, dict updates, per-character results.
    [InlineData("{% for i in range(100) %}{% set r = range(10000) %}{% endfor %}")]
    [InlineData("{% set s = 'x' * 100000 %}{% for i in range(100) %}{% set t = s | list %}{% endfor %}")]
    [InlineData("{% set s = 'x' * 100000 %}{% for i in range(100) %}{% set t = s[1:] %}{% endfor %}")]
    [InlineData("{% set l = [0] * 10000 %}{% for i in range(100) %}{% set t = l[::-1] %}{% endfor %}")]
    [InlineData("{% for i in range(100000) %}{% set d = dict(a=1, b=2, c=3) %}{% endfor %}")]
    [InlineData("{% set s = 'x' * 100000 %}{% for i in range(100) %}{% set t = s | upper %}{% endfor %}")]
    [InlineData("{% set s = 'x ' * 50000 %}{% for i in range(100) %}{% set t = s.split() %}{% endfor %}")]
    [InlineData("{% set s = 'x' * 100000 %}{% for c in s %}{% endfor %}{% for c in s %}{% endfor %}{% for c in s %}{% endfor %}")]
    public void OversizedAllocationsAreRefusedBeforeTheyHappen(string source)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ChatTemplateException>(() => Render(source, new ChatTemplateLimits { MaxAllocatedBytes = Budget }));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ChatTemplateErrorKind.LimitExceeded, e.Kind);
        Assert.NotNull(e.Line);
        Assert.True(allocated < AllocationBound, $"the render allocated {allocated} bytes before failing");
    }

    [SkippableFact]
    public void TheErrorPointsAtTheConcatenation()
    {
        var e = Assert.Throws<ChatTemplateException>(() => Render(
            "{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}",
            new ChatTemplateLimits { MaxAllocatedBytes = Budget }));
        Assert.Equal(ChatTemplateErrorKind.LimitExceeded, e.Kind);
        Assert.Equal((1, 75), (e.Line, e.Column)); // the "+" of ns.l + ns.l
    }

    [SkippableFact]
    public void WorkWithinTheBudgetRendersNormally()
    {
        var output = Render(
            "{% set ns = namespace(l=[1]) %}{% for i in range(10) %}{% set ns.l = ns.l + ns.l %}{% endfor %}"
            + "{{ ns.l | length }} {{ ('ab' * 3) | replace('b', 'c') }} {{ [1, 2] | tojson(indent=2) }}",
            new ChatTemplateLimits { MaxAllocatedBytes = Budget });
        Assert.Equal("1024 acacac [\n  1,\n  2\n]", output);
    }
}
