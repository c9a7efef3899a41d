using System.Text.Json.Nodes;
using SlotSharp.Chat;
using SlotSharp.Chat.Tools;

namespace SlotSharp.Tests.Chat.Tools;

/// <summary>tool_choice and the template decide what is rendered and parsed (ToolCalling.Plan), and what is refused.</summary>
public class ToolPlanTests
{
    static readonly ToolDefinition Weather = ToolDefinition.Function("get_weather", "Weather of a city.", null);
    static readonly ToolDefinition Time = ToolDefinition.Function("get_time", null, null);

    static ChatTemplate Template(string folder) => ChatTemplate.FromModelFolder(SharedAssets.Require("tokenizers", folder));

    static string Names(ToolPlan plan) => string.Join(",", plan.RenderTools!.Select(t =>
        ((OrderedDictionary<string, object?>)((OrderedDictionary<string, object?>)t!)["function"]!)["name"]));

    [SkippableFact]
    public void AutoAndRequiredRenderEveryToolAndParse()
    {
        var template = Template("qwen2.5");
        foreach (var choice in new[] { null, ToolChoice.Auto, ToolChoice.Required })
        {
            var plan = ToolCalling.Plan(template, [Weather, Time], choice);
            Assert.Equal(("get_weather,get_time", ToolCallFormat.Hermes), (Names(plan), plan.Format));
        }
    }

    [SkippableFact]
    public void ANamedFunctionRendersOnlyThatTool()
    {
        var plan = ToolCalling.Plan(Template("llama3.1"), [Weather, Time], ToolChoice.Function("get_time"));
        Assert.Equal(("get_time", ToolCallFormat.Llama3Json), (Names(plan), plan.Format));
    }

    [SkippableFact]
    public void NoneRendersNoToolsAndParsesNothingEvenWhereToolsAreRefused()
    {
        foreach (var folder in new[] { "qwen2.5", "deepseek-r1-distill-qwen" })
        {
            var plan = ToolCalling.Plan(Template(folder), [Weather], ToolChoice.None);
            Assert.Same(ToolPlan.NoTools, plan);
            Assert.Null(plan.NewParser());
            Assert.Equal(new ToolCallOutput("<tool_call>{\"name\": \"f\"}</tool_call>", []), plan.Parse("<tool_call>{\"name\": \"f\"}</tool_call>"));
        }
    }

    [SkippableTheory]
    [InlineData("deepseek-r1-distill-qwen")]
    [InlineData("llama3")]
    public void ATemplateThatDoesNotRenderToolsRefusesThem(string folder)
    {
        var e = Assert.Throws<ToolRequestException>(() => ToolCalling.Plan(Template(folder), [Weather], null));
        Assert.Equal("tools", e.Field);
        Assert.Equal("'tools': this model's chat template does not render tool definitions, so the model cannot be offered tools", e.Message);
    }

    [SkippableFact]
    public void ATemplateWithAnUnknownCallFormatRefusesTools()
    {
        var template = ChatTemplate.Parse("{% for t in tools %}{{ t.function.name }}{% endfor %}{% for m in messages %}{{ m.content }}{% endfor %}");
        Assert.True(template.RendersTools);
        var e = Assert.Throws<ToolRequestException>(() => ToolCalling.Plan(template, [Weather], null));
        Assert.Equal("'tools': this model's chat template renders tools, but its tool-call format is not one SlotSharp parses "
                     + "(known: Qwen2.5/Qwen3 <tool_call>, Llama 3.1 JSON, DeepSeek-R1 tool-call tokens)", e.Message);
    }

    [SkippableFact]
    public void InconsistentChoicesAreRefusedNamingTheField()
    {
        var template = ChatTemplate.Parse(ChatTemplate.FallbackChatMLSource);
        Assert.Equal("'tool_choice': asks for a tool call, but the request offers no tools",
            Assert.Throws<ToolRequestException>(() => ToolCalling.Plan(template, [], ToolChoice.Required)).Message);
        Assert.Same(ToolPlan.NoTools, ToolCalling.Plan(template, null, ToolChoice.Auto));
        var qwen = Template("qwen2.5");
        Assert.Equal("'tool_choice': names the function 'get_news', which is not among the tools",
            Assert.Throws<ToolRequestException>(() => ToolCalling.Plan(qwen, [Weather], ToolChoice.Function("get_news"))).Message);
        Assert.Equal("'tools': declares the function 'get_weather' more than once",
            Assert.Throws<ToolRequestException>(() => ToolCalling.Plan(qwen, [Weather, Weather], null)).Message);
    }

    [SkippableFact]
    public void ToolChoiceReadsOpenAisForms()
    {
        Assert.Equal(ToolChoice.Auto, ToolChoice.FromOpenAi(null));
        Assert.Equal(ToolChoice.None, ToolChoice.FromOpenAi(JsonValue.Create("none")));
        Assert.Equal(ToolChoice.Required, ToolChoice.FromOpenAi(JsonValue.Create("required")));
        Assert.Equal(ToolChoice.Function("f"), ToolChoice.FromOpenAi(JsonNode.Parse("""{"type": "function", "function": {"name": "f"}}""")));
        Assert.Equal("'tool_choice': must be \"none\", \"auto\", \"required\" or a function, got \"any\"",
            Assert.Throws<ToolRequestException>(() => ToolChoice.FromOpenAi(JsonValue.Create("any"))).Message);
        Assert.Equal("tool_choice.function.name",
            Assert.Throws<ToolRequestException>(() => ToolChoice.FromOpenAi(JsonNode.Parse("""{"type": "function", "function": {}}"""))).Field);
    }

    [SkippableFact]
    public void ToolDefinitionsAreCheckedAsOpenAiDoes()
    {
        static string Field(string json) => Assert.Throws<ToolRequestException>(() => ToolDefinition.ListFromOpenAi(JsonNode.Parse(json))).Field;
        Assert.Equal("tools[0].type", Field("""[{"function": {"name": "f"}}]"""));
        Assert.Equal("tools[1].function.name", Field("""[{"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": ""}}]"""));
        Assert.Equal("tools[0].function.parameters", Field("""[{"type": "function", "function": {"name": "f", "parameters": []}}]"""));
        Assert.Equal("tools", Field("""{"type": "function"}"""));
        var tool = Assert.Single(ToolDefinition.ListFromOpenAi(JsonNode.Parse("""[{"type": "function", "function": {"name": "f", "strict": true}}]""")));
        Assert.Equal("f", tool.Name);
        Assert.True(((OrderedDictionary<string, object?>)tool.TemplateValue["function"]!).ContainsKey("strict")); // rendered as sent
    }
}
