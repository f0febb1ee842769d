using System.Text;
using Vigil.Protocol.Control;

namespace Vigil.Agent;

/// <summary>The commands a relay may send the agent, each answered with a result of the same id.</summary>
internal sealed class AgentCommands(AgentContext context)
{
    public ControlMessage Handle(ControlMessage command)
    {
        var result = new ControlMessage { Type = ControlMessage.Result, Id = command.Id, Ok = true };
        switch (command.Name)
        {
            case "ping":
                result.Body = "{\"pong\":true}"u8.ToArray();
                break;
            case "echo":
                result.Body = command.Body ?? "null"u8.ToArray();
                break;
            case "status":
                result.Body = Encoding.UTF8.GetBytes(context.Status.ToJson());
                break;
            case AssignCommand.Assign:
                if (AgentMedia.Parse(command.Body, context.Config.CameraUrl, out var error) is { } assignment)
                {
                    context.Media.Assign(assignment);
                    result.Body = "{\"assigned\":true}"u8.ToArray();
                }
                else
                {
                    result.Ok = false;
                    result.Error = error;
                }
                break;
            case AssignCommand.Unassign:
                result.Body = context.Media.Unassign() ? "{\"unassigned\":true}"u8.ToArray() : "{\"unassigned\":false}"u8.ToArray();
                break;
            case "update_begin" or "update_chunk" or "update_apply":
                context.Releases.Handle(command, result);
                break;
            default:
                result.Ok = false;
                result.Error = $"unknown command '{command.Name}'";
                break;
        }
        Log.Debug($"command {command.Id} '{command.Name}': {(result.Ok ? "ok" : result.Error)}");
        return result;
    }
}
