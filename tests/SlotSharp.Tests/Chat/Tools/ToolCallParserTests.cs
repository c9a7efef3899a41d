using System.Text;
using System.Text.RegularExpressions;
using SlotSharp.Chat.Tools;

namespace SlotSharp.Tests.Chat.Tools;

/// <summary>The three output formats on hand-written outputs (<see cref="ToolOutputs"/>), whole and streamed.</summary>
public class ToolCallParserTests
{
    [SkippableTheory]
    [MemberData(nameof(ToolOutputs.Names), MemberType = typeof(ToolOutputs))]
    public void WholeOutputSplitsIntoTheHandWrittenContentAndCalls(string name)
    {
        var c = ToolOutputs.Get(name);
        var output = ToolCallStreamParser.Parse(c.Format, c.Output, ToolOutputs.Counter());
        Assert.Equal(c.Content, output.Content);
        Assert.Equal(c.Calls.Select((x, i) => new ToolCall($"call_{i}", x.Name, x.Arguments)), output.Calls);
    }

    [SkippableTheory]
    [MemberData(nameof(ToolOutputs.Names), MemberType = typeof(ToolOutputs))]
    public void StreamingSplitAtEveryCharacterGivesTheWholeResult(string name)
    {
        var c = ToolOutputs.Get(name);
        var expected = ToolCallStreamParser.Parse(c.Format, c.Output, ToolOutputs.Counter());
        for (int split = 0; split <= c.Output.Length; split++)
            Assert.Equal(Summary(expected), Summary(Stream(c.Format, [c.Output[..split], c.Output[split..]])));
        // And one character at a time.
        Assert.Equal(Summary(expected), Summary(Stream(c.Format, c.Output.Select(ch => ch.ToString()).ToArray())));
    }

    [SkippableFact]
    public void ContentStreamsBeforeTheOutputEndsAndAPossibleMarkerIsHeldBack()
    {
        var parser = new ToolCallStreamParser(ToolCallFormat.Hermes.NewScanner());
        Assert.Equal([new ContentDelta("Let me check.")], parser.Push("Let me check."));
        // The space could stand before a call block (then it is dropped), "<tool" could start one.
        Assert.Equal([new ContentDelta(" Paris")], parser.Push(" Paris <tool"));
        Assert.Equal([new ContentDelta(" <tools> are fine.")], parser.Push("s> are fine."));
        var events = parser.Push("<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1}}</tool_call>");
        var call = Assert.IsType<ToolCallDelta>(Assert.Single(events));
        Assert.Equal((0, "f", "{\"a\": 1}"), (call.Index, call.Call.Name, call.Call.Arguments));
        Assert.Empty(parser.Finish());
        Assert.Equal(1, parser.CallCount);
    }

    [SkippableFact]
    public void LlamaOutputThatCannotBeACallStreamsAtOnce()
    {
        var parser = new ToolCallStreamParser(ToolCallFormat.Llama3Json.NewScanner());
        Assert.Empty(parser.Push("\n "));
        Assert.Equal([new ContentDelta("\n It")], parser.Push("It"));
        Assert.Equal([new ContentDelta(" is {\"json\"}")], parser.Push(" is {\"json\"}"));
        // One that starts like a call waits for the end of the output.
        var held = new ToolCallStreamParser(ToolCallFormat.Llama3Json.NewScanner());
        Assert.Empty(held.Push("{\"name\": \"f\", \"parameters\": {}}"));
        Assert.Equal("f", Assert.IsType<ToolCallDelta>(Assert.Single(held.Finish())).Call.Name);
    }

    [SkippableFact]
    public void CallIdsAreOpenAiStyleAndDistinct()
    {
        var output = ToolCallStreamParser.Parse(ToolCallFormat.Hermes, ToolOutputs.Get("hermes text, two calls, text").Output);
        Assert.All(output.Calls, c => Assert.Matches(new Regex("^call_[A-Za-z0-9]{24}$"), c.Id));
        Assert.NotEqual(output.Calls[0].Id, output.Calls[1].Id);
    }

    [SkippableFact]
    public void AFinishedParserTakesNoMoreText()
    {
        var parser = new ToolCallStreamParser(ToolCallFormat.Hermes.NewScanner());
        parser.Finish();
        Assert.Throws<InvalidOperationException>(() => parser.Push("x"));
    }

    static ToolCallOutput Stream(ToolCallFormat format, string[] pieces)
    {
        var parser = new ToolCallStreamParser(format.NewScanner(), ToolOutputs.Counter());
        var content = new StringBuilder();
        var calls = new List<ToolCall>();
        var events = pieces.SelectMany(parser.Push).ToList();
        events.AddRange(parser.Finish());
        foreach (var e in events)
        {
            if (e is ContentDelta d) content.Append(d.Text);
            else calls.Add(((ToolCallDelta)e).Call);
        }
        return new ToolCallOutput(content.ToString(), calls);
    }

    static string Summary(ToolCallOutput o) => o.Content + "|" + string.Join("|", o.Calls);
}
