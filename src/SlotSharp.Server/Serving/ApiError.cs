using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SlotSharp.Server;

/// <summary>
/// A request the server refuses, answered as OpenAI does: {"error": {"message", "type", "param", "code"}} with
/// <see cref="Status"/>. <see cref="Param"/> names the body field at fault, when one is.
/// </summary>
internal sealed class ApiError(int status, string message, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;
    public string? Param { get; } = param;
    public string? Code { get; } = code;

    public static ApiError BadRequest(string message, string? param = null) => new(StatusCodes.Status400BadRequest, message, param);

    /// <summary>OpenAI's error types by status.</summary>
    public static string TypeOf(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 or 415 or 400 or 405 or 421 => "invalid_request_error",
        429 => "rate_limit_error",
        _ => "server_error",
    };

    public static JsonObject Body(int status, string message, string? param = null, string? code = null) => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = message, ["type"] = TypeOf(status), ["param"] = param, ["code"] = code,
        },
    };

    public JsonObject Body() => Body(Status, Message, Param, Code);

    public static Task Write(HttpContext context, int status, string message, string? param = null, string? code = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(Body(status, message, param, code).ToJsonString(), context.RequestAborted);
    }
}
