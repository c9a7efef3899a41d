using SlotSharp.Chat;

namespace SlotSharp.Tests.Chat;

/// <summary>Parse-time rejection of unsupported constructs, template-raised errors and sandbox limits.</summary>
public class ChatTemplateErrorTests
{
    static ChatTemplateException ParseFails(string source) => Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse(source));

    static ChatTemplateException RenderFails(string source, ChatTemplateLimits? limits = null) =>
        Assert.Throws<ChatTemplateException>(() =>
            ChatTemplate.Parse(source, new ChatTemplateOptions { Limits = limits ?? ChatTemplateLimits.Default })
                .Render([ChatMessage.User("hi")], false));

    [SkippableFact]
    public void UnsupportedTagIsNamedWithLineAndColumn()
    {
        var e = ParseFails("line one\nline two\n    {% extends 'base.html' %}");
        Assert.Equal("unsupported tag 'extends' at line 3, column 8", e.Message);
        Assert.Equal(ChatTemplateErrorKind.Unsupported, e.Kind);
        Assert.Equal((3, 8), (e.Line, e.Column));
    }

    [SkippableTheory]
    [InlineData("{% include 'x' %}", "unsupported tag 'include' at line 1, column 4")]
    [InlineData("{% import 'x' as y %}", "unsupported tag 'import' at line 1, column 4")]
    [InlineData("{% block a %}{% endblock %}", "unsupported tag 'block' at line 1, column 4")]
    [InlineData("{% do x %}", "unsupported tag 'do' at line 1, column 4")]
    [InlineData("{{ x | urlize }}", "unsupported filter 'urlize' at line 1, column 8")]
    [InlineData("{% if x is prime %}{% endif %}", "unsupported test 'prime' at line 1, column 12")]
    [InlineData("{% for x in y recursive %}{% endfor %}", "unsupported recursive for loop at line 1, column 15")]
    [InlineData("{{ f(*args) }}", "unsupported '*args'/'**kwargs' in calls at line 1, column 6")]
    public void ConstructsOutsideTheSubsetFailAtParseTime(string source, string message)
    {
        var e = ParseFails(source);
        Assert.Equal(message, e.Message);
        Assert.Equal(ChatTemplateErrorKind.Unsupported, e.Kind);
    }

    [SkippableTheory]
    [InlineData("{% if x %}never closed", "unexpected end of template; expected 'elif' or 'else' or 'endif' at line 1, column 23")]
    [InlineData("{{ 'unterminated }}", "unterminated string literal at line 1, column 4")]
    [InlineData("a\n{{ x + }}", "unexpected end of print statement at line 2, column 8")]
    [InlineData("{% endfor %}", "unexpected tag 'endfor' at line 1, column 4")]
    [InlineData("{# no end", "missing end of comment tag at line 1, column 1")]
    [InlineData("{{ x ) }}", "unexpected ')' at line 1, column 6")]
    public void SyntaxErrorsCarryPosition(string source, string message)
    {
        var e = ParseFails(source);
        Assert.Equal(message, e.Message);
        Assert.Equal(ChatTemplateErrorKind.Syntax, e.Kind);
    }

    [SkippableFact]
    public void RaiseExceptionCarriesTheTemplatesMessage()
    {
        var e = RenderFails("{% if messages|length == 1 %}{{ raise_exception('Conversation roles must alternate!') }}{% endif %}");
        Assert.Equal(ChatTemplateErrorKind.RaisedByTemplate, e.Kind);
        Assert.Equal("Conversation roles must alternate!", e.TemplateMessage);
        Assert.Contains("Conversation roles must alternate!", e.Message);
    }

    [SkippableFact]
    public void Llama31RejectsParallelToolCallsWithItsOwnMessage()
    {
        var template = ChatTemplate.Parse(File.ReadAllText(SharedAssets.Require("tokenizers", "llama3.1", "chat_template.jinja")));
        var call = new Dictionary<string, object?> { ["function"] = new Dictionary<string, object?> { ["name"] = "f", ["arguments"] = new Dictionary<string, object?>() } };
        var assistant = new ChatMessage("assistant", null) { Extra = new Dictionary<string, object?> { ["tool_calls"] = new List<object?> { call, call } } };
        var e = Assert.Throws<ChatTemplateException>(() => template.Render([ChatMessage.User("hi"), assistant], false));
        Assert.Equal("This model only supports single tool-calls at once!", e.TemplateMessage);
    }

    [SkippableFact]
    public void UndefinedAttributeOfUndefinedIsARuntimeErrorWithPosition()
    {
        var e = RenderFails("ok\n{{ nothing.here }}");
        Assert.Equal(ChatTemplateErrorKind.Runtime, e.Kind);
        Assert.Equal("'nothing' is undefined at line 2, column 4", e.Message);
    }

    [SkippableFact]
    public void TypeErrorsReadLikePython()
    {
        Assert.StartsWith("can only concatenate str (not \"int\") to str", RenderFails("{{ 'a' + 1 }}").Message);
    }

    [SkippableFact]
    public void LoopIterationLimit()
    {
        var e = RenderFails("{% for i in range(100) %}{% for j in range(100) %}x{% endfor %}{% endfor %}",
            new ChatTemplateLimits { MaxLoopIterations = 5000 });
        Assert.Equal(ChatTemplateErrorKind.LimitExceeded, e.Kind);
        Assert.Contains("exceeded 5000 loop iterations", e.Message);
    }

    [SkippableFact]
    public void OutputSizeLimit()
    {
        var e = RenderFails("{% for i in range(1000) %}0123456789{% endfor %}", new ChatTemplateLimits { MaxOutputChars = 5000 });
        Assert.Equal(ChatTemplateErrorKind.LimitExceeded, e.Kind);
        Assert.Contains("output exceeded 5000 characters", e.Message);
    }

    [SkippableFact]
    public void StringRepetitionIsBounded()
    {
        var e = RenderFails("{{ 'x' * 100000000 }}", new ChatTemplateLimits { MaxOutputChars = 1000 });
        Assert.Equal(ChatTemplateErrorKind.LimitExceeded, e.Kind);
    }

    [SkippableFact]
    public void RangeIsBounded()
    {
        var e = RenderFails("{{ range(1000000)|length }}");
        Assert.Contains("range() would produce 1000000 items (limit 100000)", e.Message);
    }

    [SkippableFact]
    public void InfiniteMacroRecursionStopsAtTheCallDepth()
    {
        var e = RenderFails("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
        Assert.Equal(ChatTemplateErrorKind.LimitExceeded, e.Kind);
        Assert.Contains("macro calls nested deeper than 64 (macro 'f')", e.Message);
    }

    [SkippableFact]
    public void ExponentialFanOutStopsAtTheStepBudget()
    {
        // Each level calls the next twice: 2^40 calls without a step budget.
        var e = RenderFails("{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}",
            new ChatTemplateLimits { MaxSteps = 100_000 });
        Assert.Contains("exceeded 100000 evaluation steps", e.Message);
    }

    [SkippableFact]
    public void DeepNestingIsRejectedAtParseTime()
    {
        var e = ParseFails("{{ " + new string('(', 500) + "1" + new string(')', 500) + " }}");
        Assert.Contains("nesting deeper than 200", e.Message);
    }

    [SkippableFact]
    public void NoHostAccessThroughAttributes()
    {
        // Python-level attributes do not exist in the value model: they are plain undefined values.
        var output = ChatTemplate.Parse("{{ messages.__class__ is defined }}|{{ ''.__class__ is defined }}|{{ namespace.__globals__ is defined }}")
            .Render([ChatMessage.User("hi")], false);
        Assert.Equal("False|False|False", output);
    }

    [SkippableFact]
    public void OnlyNamespacesAcceptAttributeAssignment()
    {
        var e = RenderFails("{% set d = {'a': 1} %}{% set d.a = 2 %}");
        Assert.Contains("cannot assign attribute on non-namespace object 'd'", e.Message);
    }
}
