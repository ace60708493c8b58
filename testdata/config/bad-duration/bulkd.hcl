retention {
  jobs     = "480h"
  archives = "one week"
}
